import { PlatformError } from "../errors.ts";

/** An image reference as the container runtime normalises it (docker.io/library/postgres:17.6). */
export interface ImageReference {
  /** What the manifest says, as written. */
  written: string;
  /** Registry host and path: docker.io/library/postgres. */
  repository: string;
  tag?: string;
  digest?: string;
  /** The fully qualified name the runtime looks the image up by (a digest wins over a tag). */
  canonical: string;
}

/**
 * Parses the way the container runtime does: a first component with a dot, a colon or
 * "localhost" is a registry; otherwise the image is on docker.io, under library/ when it has
 * no namespace. Without a tag or digest the runtime would pull :latest, which no pinned
 * manifest may do.
 */
export function parseReference(written: string): ImageReference {
  const bad = (why: string) => new PlatformError(`image reference "${written}" ${why}`, "Write images as [registry/]repository:tag or repository@sha256:<64 hex> (the pinned-images policy requires a tag or digest).");
  if (!/^[a-z0-9]/i.test(written) || /\s/.test(written)) throw bad("is not a valid reference");
  const [nameAndTag, digest, extra] = written.split("@");
  if (extra !== undefined) throw bad("has more than one @");
  if (digest !== undefined && !/^sha256:[0-9a-f]{64}$/.test(digest)) throw bad("has a digest that is not sha256:<64 hex>");
  const lastSlash = nameAndTag!.lastIndexOf("/");
  const colon = nameAndTag!.lastIndexOf(":");
  const tag = colon > lastSlash ? nameAndTag!.slice(colon + 1) : undefined;
  const name = colon > lastSlash ? nameAndTag!.slice(0, colon) : nameAndTag!;
  if (tag !== undefined && !/^[\w][\w.-]{0,127}$/.test(tag)) throw bad("has an invalid tag");
  if (tag === undefined && digest === undefined) throw bad("has neither a tag nor a digest");
  const parts = name.split("/");
  const hasRegistry = parts.length > 1 && (parts[0]!.includes(".") || parts[0]!.includes(":") || parts[0] === "localhost");
  const registry = hasRegistry ? parts[0]! : "docker.io";
  const path = hasRegistry ? parts.slice(1).join("/") : parts.length === 1 ? `library/${name}` : name;
  if (!/^[a-z0-9]+(?:[._-]+[a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-]+[a-z0-9]+)*)*$/.test(path)) throw bad("has an invalid repository path");
  const repository = `${registry}/${path}`;
  const canonical = digest !== undefined ? `${repository}@${digest}` : `${repository}:${tag}`;
  return { written, repository, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}), canonical };
}
