import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { parse } from "@cdktf/hcl2json";
import { execa } from "execa";
import { repoRoot } from "../../harness/paths.ts";

/** An image reference split the way versions.json records it. */
export interface ImageReference {
  /** registry/path/name, with Docker Hub's implicit docker.io and library/ made explicit. */
  image: string;
  tag?: string;
  digest?: string;
}

/**
 * Splits `[registry[:port]/]path/name[:tag][@sha256:...]`. A first component with a dot, a colon
 * or `localhost` is a registry (Docker's own rule); otherwise the image is on Docker Hub, and a
 * one-part name lives under library/.
 */
export function parseImageReference(reference: string): ImageReference {
  const [name, digest] = reference.split("@", 2) as [string, string | undefined];
  const slash = name.lastIndexOf("/");
  const colon = name.lastIndexOf(":");
  const repository = colon > slash ? name.slice(0, colon) : name;
  const tag = colon > slash ? name.slice(colon + 1) : undefined;
  const parts = repository.split("/");
  const hasRegistry = parts.length > 1 && (/[.:]/.test(parts[0]!) || parts[0] === "localhost");
  const path = hasRegistry ? parts.slice(1) : parts;
  const registry = hasRegistry ? parts[0]! : "docker.io";
  const qualified = registry === "docker.io" && path.length === 1 ? ["library", ...path] : path;
  return { image: [registry, ...qualified].join("/"), ...(tag ? { tag } : {}), ...(digest ? { digest } : {}) };
}

/** Where image references may live: the product's configurations (not policy fixtures). */
async function productTfFiles(): Promise<string[]> {
  const { stdout } = await execa("git", ["ls-files", "--cached", "--others", "--exclude-standard", "modules/*.tf", "environments/*.tf"], { cwd: repoRoot });
  return stdout.split("\n").filter(Boolean);
}

type Json = Record<string, unknown>;
const isExpression = (value: string) => /(?<![$%])[$%]\{/.test(value);

export interface DeclaredImage {
  file: string;
  name: string;
  reference: string;
}

export interface LiteralImage {
  file: string;
  path: string;
  value: string;
}

function* literalImageAttributes(value: unknown, path: string): Generator<{ path: string; value: string }> {
  if (Array.isArray(value)) for (const [index, item] of value.entries()) yield* literalImageAttributes(item, `${path}[${index}]`);
  else if (value && typeof value === "object") {
    for (const [key, item] of Object.entries(value as Json)) {
      if (key === "image" && typeof item === "string" && !isExpression(item)) yield { path: `${path}.${key}`, value: item };
      else yield* literalImageAttributes(item, path ? `${path}.${key}` : key);
    }
  }
}

/**
 * The convention every module follows (and a new one joins by following): its images are the
 * values of `locals { images = { <name> = "<reference>" } }`, and containers say
 * `image = local.images.<name>`. Returns those declarations and any `image` attribute that is a
 * literal instead.
 */
export async function imagesInHcl(): Promise<{ declared: DeclaredImage[]; literals: LiteralImage[] }> {
  const declared: DeclaredImage[] = [];
  const literals: LiteralImage[] = [];
  for (const file of await productTfFiles()) {
    const body = (await parse(file, await readFile(join(repoRoot, file), "utf8"))) as Json;
    for (const locals of (body.locals ?? []) as Json[]) {
      const images = locals.images;
      if (!images || typeof images !== "object") continue;
      for (const [name, reference] of Object.entries(images as Json)) declared.push({ file, name, reference: String(reference) });
    }
    const { locals: _locals, ...rest } = body;
    for (const literal of literalImageAttributes(rest, "")) literals.push({ file, ...literal });
  }
  return { declared, literals };
}
