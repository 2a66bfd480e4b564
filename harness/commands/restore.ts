import { Command, Option } from "commander";
import { withCluster } from "../cluster/index.ts";
import { restoreDatabase } from "../restore.ts";

export const restoreCommand = new Command("restore")
  .description("restore a backup of one database, into a scratch database (default) or in place")
  .requiredOption("-d, --database <name>", "the database (a key of the data module's databases)")
  .option("-b, --backup <id>", "backup id (its timestamp key); default: the latest")
  .option("--in-place", "replace the live database (asks for confirmation)")
  .option("-y, --yes", "confirm an in-place restore without asking")
  .addOption(new Option("-c, --context <name>", "kubeconfig context of the cluster").makeOptionMandatory())
  .option("-n, --namespace <name>", "namespace of the data layer", "data")
  .action(async (options: { database: string; backup?: string; inPlace?: boolean; yes?: boolean; context: string; namespace: string }) => {
    await withCluster({ context: options.context }, async (cluster) => {
      await restoreDatabase(cluster, {
        database: options.database,
        ...(options.backup ? { backup: options.backup } : {}),
        mode: options.inPlace ? "in-place" : "scratch",
        yes: Boolean(options.yes),
        namespace: options.namespace,
        wait: true,
      });
    });
  });
