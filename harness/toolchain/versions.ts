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
   * go-install: an ordinary module. etcd-wrapper / kubernetes-wrapper / coredns-wrapper: built
   * through a small generated module that supplies what the upstream go.mod leaves to its own
   * repository (or, for CoreDNS, chooses the plugins). kube-router-netpol: a main of our own that
   * runs only kube-router's NetworkPolicy controller.
   */
  recipe: z.enum(["module-copy", "go-install", "etcd-wrapper", "kubernetes-wrapper", "coredns-wrapper", "kube-router-netpol"]),
  package: z.string().optional(),
  /** coredns-wrapper: the plugins compiled in (the Corefile may use only these). */
  plugins: z.array(z.string()).optional(),
  ldflags: z.string().optional(),
  /**
   * Built only on demand: k3d needs a Docker engine, conftest serves only `make bench`, and the
   * node kind's components only machines that can run a node (root, namespaces, cgroups).
   */
  onlyWhen: z.enum(["docker", "bench", "node"]).optional(),
  /** Why this pin is what it is, for people. */
  note: z.string().optional(),
  /** Arguments that make the binary print its version, to accept a copy already on PATH. */
  versionCommand: z.array(z.string()).min(1),
});

const providerSchema = z.object({
  /** The provider release this build is installed as (what required_providers pins). */
  version: semver,
  module: z.string(),
  /** The pseudo-version of the release commit: provider tags are not valid versions of their module paths. */
  moduleVersion: z.string().regex(/^v\d+\.\d+\.\d+-0\.\d{14}-[0-9a-f]{12}$/, "expected a pseudo-version vX.Y.Z-0.YYYYMMDDHHMMSS-<12 hex>").optional(),
  /** The release tag's commit, for people who build the provider themselves. */
  commit: z.string().regex(/^[0-9a-f]{40}$/, "expected a full 40-hex commit").optional(),
  /**
   * go-module: built from the Go module proxy when no mirror holds it. registry-or-mirror: the
   * proxy does not serve it, so it comes only from the OpenTofu registry or PLATFORM_PROVIDER_MIRROR.
   */
  obtain: z.enum(["go-module", "registry-or-mirror"]).default("go-module"),
  /** Where the build comes from and how it differs from the release, for people. */
  note: z.string().optional(),
}).refine((provider) => provider.obtain !== "go-module" || provider.moduleVersion, { message: "a provider built from Go modules needs moduleVersion", path: ["moduleVersion"] });

const sha256 = z.string().regex(/^sha256:[0-9a-f]{64}$/, "expected sha256:<64 hex>");

/**
 * One upstream Helm chart. `digest` is the package's sha256 as the upstream repository index
 * lists it (what `helm pull` fetches), where that index could be read. `contentDigest` covers
 * the chart's files whatever the packaging (see harness/toolchain/charts.ts), so a mirror
 * packaged from the release tag verifies as well as the published package.
 */
const chartSchema = z.object({
  version: z.string().regex(/^v?\d+\.\d+\.\d+$/, "expected the chart version as the repository lists it, e.g. 41.3.0 or v1.21.1"),
  appVersion: z.string().min(1),
  repository: z.string().regex(/^(https|oci):\/\/[^\s]+[^/]$/, "expected an https:// or oci:// repository without a trailing slash"),
  chart: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
  /** The k8s-config component (or app) this chart serves: what environments/local leaves out when the chart is missing. */
  component: z.string().regex(/^[a-z0-9_]+$/),
  digest: sha256.optional(),
  contentDigest: sha256,
  /** Subcharts the package bundles, by name: checked inside the package too. */
  dependencies: z.record(z.string(), z.string()).default({}),
  /** Where these pins were read and verified, for people. */
  source: z.string().min(1),
});

const withoutComment = <T extends z.ZodTypeAny>(schema: T) =>
  z.preprocess((value) => {
    if (!value || typeof value !== "object") return value;
    const { $comment: _comment, ...rest } = value as Record<string, unknown>;
    return rest;
  }, schema);

/** One container image a module runs (contract 6). */
const imageSchema = z.object({
  /** Fully qualified repository: registry/namespace/name (docker.io/library/postgres). */
  image: z.string().regex(/^[a-z0-9.-]+(:[0-9]+)?(\/[a-z0-9._-]+)+$/, "expected registry/path/name, e.g. docker.io/library/postgres"),
  /** An exact version tag: never latest. */
  tag: z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/).refine((tag) => tag !== "latest", "latest is not a pin"),
  /** Only where an upstream source verified it. */
  digest: sha256.optional(),
  /** Where the tag (and digest) were verified. */
  source: z.string().min(1),
});

/** Debian packages pinned by version prefix, kept in the platform cache rather than installed. */
const debianSetSchema = z.object({
  suite: z.string(),
  packages: z.record(z.string(), z.string()),
});

export const versionsSchema = z.object({
  go: z.object({ minimum: semver }),
  tools: z.record(z.string(), toolSchema),
  providers: z.record(z.string().regex(/^[a-z0-9-]+\/[a-z0-9-]+$/), providerSchema),
  /** Host Debian packages (name → version prefix) the tests need, such as shellcheck. */
  debian: z.record(z.string(), z.string()).transform(({ $comment: _comment, ...packages }) => packages),
  /** Helm charts by key (the chart name unless two pins share a chart). */
  charts: withoutComment(z.record(z.string().regex(/^[a-z0-9-]+$/), chartSchema)),
  /** Packages of the Debian release the images track, unpacked into a root beside the toolchain. */
  debianRoot: z.object({
    $comment: z.string().optional(),
    suite: z.string().regex(/^[a-z]+$/),
    packages: z.record(z.string(), z.string()),
    /** The shells and tools the images have besides the servers, at whatever version the suite holds. */
    base: z.array(z.string()),
  }),
  /** Container images the modules run, by name; HCL must reference exactly these. */
  images: withoutComment(z.record(z.string(), imageSchema)),
  /** The node kind's container runtime, CNI plugins and packet filter tools. */
  node: debianSetSchema,
  /**
   * What the node's stand-in images need besides debianRoot's servers, from the same suite
   * (harness/images/standins.ts): Valkey, a static busybox, the CA bundle.
   */
  standins: withoutComment(z.object({ packages: z.record(z.string(), z.string()) })),
});

export type Versions = z.infer<typeof versionsSchema>;
export type ToolSpec = z.infer<typeof toolSchema>;
export type ProviderSpec = z.infer<typeof providerSchema>;
export type ChartPin = z.infer<typeof chartSchema>;

export type DebianSet = z.infer<typeof debianSetSchema>;
export type ToolName = keyof Versions["tools"] & string;

export function loadVersions(path = join(repoRoot, "versions.json")): Versions {
  return versionsSchema.parse(JSON.parse(readFileSync(path, "utf8")));
}
