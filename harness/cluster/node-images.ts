import { ensureStandin, substitutionsFor, type Standin } from "../images/standins.ts";
import type { Versions } from "../toolchain/versions.ts";
import type { NodeCluster } from "./node.ts";

/** One image reference of the manifests and the stand-in that served it: what the e2e report lists. */
export interface SeededImage {
  /** As the manifests write it (they stay byte-identical). */
  reference: string;
  /** tag: stored under the reference's own name; digest: the node's image record for that digest points at the stand-in. */
  via: "tag" | "digest";
  standin: string;
  /** What the stand-in really runs, e.g. "17.12" for postgres:17.6. */
  upstream: string;
  digest: string;
  built: string;
  packages: string[];
}

/**
 * Seeds the node with a stand-in for every image reference (fails closed on one that has
 * none), under the names the container runtime will look up, so pods start with
 * imagePullPolicy IfNotPresent and never try a registry.
 */
export async function seedStandins(node: NodeCluster, references: string[], versions?: Versions): Promise<SeededImage[]> {
  const substitutions = substitutionsFor(references, versions);
  const byStandin = new Map<string, string[]>();
  for (const substitution of substitutions) byStandin.set(substitution.standin, [...(byStandin.get(substitution.standin) ?? []), substitution.reference.canonical]);
  const standins = new Map<string, Standin>();
  for (const [id, names] of byStandin) {
    const standin = await ensureStandin(id, versions);
    standins.set(id, standin);
    await node.importImage(standin, names);
  }
  return substitutions.map((substitution) => {
    const standin = standins.get(substitution.standin)!;
    return {
      reference: substitution.reference.written,
      via: substitution.via,
      standin: standin.name,
      upstream: standin.upstream,
      digest: standin.digest,
      built: standin.description,
      packages: standin.packages.map((p) => `${p.name} ${p.version}`),
    };
  });
}
