import { Command, Option } from "commander";
import pc from "picocolors";
import { withCluster } from "../cluster/index.ts";
import { veleroDrill } from "../velero.ts";
import { wholeNumberAboveZero } from "./arguments.ts";

export const veleroDrillCommand = new Command("velero-drill")
  .description("restore the newest completed Velero backup into scratch namespaces and check it; exits 1 when the restore is not clean")
  .addOption(new Option("-c, --context <name>", "kubeconfig context of the cluster").makeOptionMandatory())
  .option("-b, --backup <name>", "the Velero backup to drill (default: the newest completed one)")
  .option("-n, --namespace <name>", "namespace Velero runs in", "infra")
  .option("-t, --timeout <seconds>", "how long to wait for Velero to finish", wholeNumberAboveZero("--timeout", "seconds", 1800), 1800)
  .option("--keep", "keep the scratch namespaces for inspection")
  .action(async (options: { context: string; backup?: string; namespace: string; timeout: number; keep?: boolean }) => {
    await withCluster({ context: options.context }, async (cluster) => {
      const result = await veleroDrill(cluster, {
        namespace: options.namespace,
        ...(options.backup ? { backup: options.backup } : {}),
        timeoutMs: options.timeout * 1000,
        pollMs: 5_000,
        keep: Boolean(options.keep),
      });
      const line = `restore ${result.restore} of ${result.backup}: ${result.phase}, ${result.volumes.completed} volumes restored, ${result.volumes.failed} failed, ${result.errors} errors, ${result.warnings} warnings`;
      console.log(result.passed ? pc.green(`drill passed: ${line}`) : pc.red(`drill FAILED: ${line}`));
      process.exitCode = result.passed ? 0 : 1;
    });
  });
