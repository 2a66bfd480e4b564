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
  /** Built only when it can be used (k3d needs a Docker engine). */
  onlyWhen: z.enum(["docker"]).optional(),
  /** Arguments that make the binary print its version, to accept a copy already on PATH. */
  versionCommand: z.array(z.string()).min(1),
});

const providerSchema = z.object({
  version: semver,
  module: z.string(),
  /** The proxy serves vN≥2 provider modules without a /vN suffix only by commit. */
  commit: z.string().regex(/^[0-9a-f]{40}$/),
});

export const versionsSchema = z.object({
  go: z.object({ minimum: semver }),
  tools: z.record(z.string(), toolSchema),
  providers: z.record(z.string().regex(/^[a-z0-9-]+\/[a-z0-9-]+$/), providerSchema),
});

export type Versions = z.infer<typeof versionsSchema>;
export type ToolSpec = z.infer<typeof toolSchema>;
export type ProviderSpec = z.infer<typeof providerSchema>;
export type ToolName = keyof Versions["tools"] & string;

export function loadVersions(path = join(repoRoot, "versions.json")): Versions {
  return versionsSchema.parse(JSON.parse(readFileSync(path, "utf8")));
}
