import { cp, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { repoRoot } from "../../harness/paths.ts";

/** A copy of environments/ and modules/ that a test may edit without touching the repository. */
export async function editableTree(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), "platform-tree-"));
  const skipState = (src: string) => !src.includes(".terraform");
  await cp(join(repoRoot, "environments"), join(root, "environments"), { recursive: true, filter: skipState });
  await cp(join(repoRoot, "modules"), join(root, "modules"), { recursive: true, filter: skipState });
  return root;
}

/** A workload a policy must refuse: the official redis image's Bitnami repackaging. */
export async function addBitnamiWorkload(tree: string): Promise<void> {
  await writeFile(
    join(tree, "environments/local/cache.tf"),
    `resource "kubernetes_deployment_v1" "cache" {
  metadata {
    name      = "cache"
    namespace = "data"
  }
  spec {
    selector { match_labels = { app = "cache" } }
    template {
      metadata { labels = { app = "cache" } }
      spec {
        container {
          name  = "redis"
          image = "docker.io/bitnami/redis:7.4"
        }
      }
    }
  }
}
`,
  );
}

/** The harness CLI as a user runs it (`make plan`, `make apply`): its own process, exit code and output. */
export function platform(args: string[], env: Record<string, string> = {}) {
  return execa(join(repoRoot, "node_modules/.bin/tsx"), [join(repoRoot, "harness/cli.ts"), ...args], {
    cwd: repoRoot,
    env: { NO_COLOR: "1", PLATFORM_CLUSTER: "local", ...env },
    reject: false,
    all: true,
    stdin: "ignore",
  });
}
