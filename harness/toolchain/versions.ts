import { readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { repoRoot } from "../paths.ts";

const semver = z.string().regex(/^\d+\.\d+\.\d+$/, "expected MAJOR.MINOR.PATCH without a leading v");

const toolSchema = z.object({
  version: semver,
  module: z.string(),
  /**
   * module-copy: the module has `replace` directives, so it is built inside a copy of itself.
   * go-install: an ordinary module. etcd-wrapper / kubernetes-wrapper: built through a small
   * generated module that supplies what the upstream go.mod leaves to its own repository.
   */
  recipe: z.enum(["module-copy", "go-install", "etcd-wrapper", "kubernetes-wrapper"]),
  package: z.string().optional(),
  ldflags: z.string().optional(),
  /** Built only on demand: k3d needs a Docker engine, conftest serves only `make bench`. */
  onlyWhen: z.enum(["docker", "bench"]).optional(),
  /** Arguments that make the binary print its version, to accept a copy already on PATH. */
  versionCommand: z.array(z.string()).min(1),
});

const providerSchema = z.object({
  /** The provider release this build is installed as (what required_providers pins). */
  version: semver,
  module: z.string(),
  /** The pseudo-version of the release commit: provider tags are not valid versions of their module paths. */
  moduleVersion: z.string().regex(/^v\d+\.\d+\.\d+-0\.\d{14}-[0-9a-f]{12}$/, "expected a pseudo-version vX.Y.Z-0.YYYYMMDDHHMMSS-<12 hex>"),
  /** Where the build comes from and how it differs from the release, for people. */
  note: z.string().optional(),
});

export const versionsSchema = z.object({
  go: z.object({ minimum: semver }),
  tools: z.record(z.string(), toolSchema),
  providers: z.record(z.string().regex(/^[a-z0-9-]+\/[a-z0-9-]+$/), providerSchema),
  /** Host Debian packages (name → version prefix) the tests need, such as shellcheck. */
  debian: z.record(z.string(), z.string()).transform(({ $comment: _comment, ...packages }) => packages),
  /** Packages of the Debian release the images track, unpacked into a root beside the toolchain. */
  debianRoot: z.object({
    $comment: z.string().optional(),
    suite: z.string().regex(/^[a-z]+$/),
    packages: z.record(z.string(), z.string()),
    /** The shells and tools the images have besides the servers, at whatever version the suite holds. */
    base: z.array(z.string()),
  }),
});

export type Versions = z.infer<typeof versionsSchema>;
export type ToolSpec = z.infer<typeof toolSchema>;
export type ProviderSpec = z.infer<typeof providerSchema>;
export type ToolName = keyof Versions["tools"] & string;

export function loadVersions(path = join(repoRoot, "versions.json")): Versions {
  return versionsSchema.parse(JSON.parse(readFileSync(path, "utf8")));
}
