import type { Workload } from "../../harness/policy/facts.ts";
import { defineRule, type Violation } from "../../harness/policy/types.ts";
import allowed from "./mariadb-allowed.json" with { type: "json" };

/** Apps that may use MariaDB, each with the reason it cannot run on PostgreSQL. */
const mariadbAllowed: Record<string, string> = allowed;
const mysqlFamily = new Set(["mariadb", "mysql"]);
const databaseImages = new Set(["postgres", "mariadb", "mysql"]);
// Long-running kinds only: an app's Job or CronJob may use a database image as a client.
const serverKinds = new Set(["StatefulSet", "Deployment"]);
const dataNamespace = "data";

type Json = Record<string, unknown>;
const obj = (value: unknown): Json => (value && typeof value === "object" && !Array.isArray(value) ? (value as Json) : {});
const first = (value: unknown): Json => obj(Array.isArray(value) ? value[0] : value);
/** registry/path/name:tag@digest -> name */
const repositoryName = (image: string) => image.split("@")[0]!.split("/").pop()!.split(":")[0]!.toLowerCase();
const allowedApp = (app: string) => Object.hasOwn(mariadbAllowed, app);
const allowFix = "If the app truly cannot run on PostgreSQL, add it to policies/postgres-first/mariadb-allowed.json with the reason.";

function databaseEngine(workload: Workload): string | undefined {
  return workload.labels["platform/database-engine"] ?? workload.containers.filter((c) => !c.init).map((c) => repositoryName(c.image)).find((name) => databaseImages.has(name));
}

const connectionKinds: Record<string, string> = { kubernetes_secret_v1: "Secret", kubernetes_config_map_v1: "ConfigMap" };

export default defineRule({
  id: "postgres-first",
  title: "App databases are PostgreSQL unless allowlisted",
  severity: "error",
  evaluate(input) {
    const violations: Violation[] = [];
    // Resources being destroyed are on their way out; judging them would block their removal.
    const planned = input.resources.filter((r) => !(r.actions.length === 1 && r.actions[0] === "delete"));

    for (const resource of planned.filter((r) => connectionKinds[r.type])) {
      const metadata = first(resource.values.metadata);
      const labels = obj(metadata.labels);
      const engine = String(labels["platform/database-engine"] ?? "").toLowerCase();
      const owner = labels["platform/database-owner"];
      if (typeof owner !== "string" || !mysqlFamily.has(engine) || allowedApp(owner)) continue;
      violations.push({
        address: resource.address,
        message: `connection ${connectionKinds[resource.type]} ${String(metadata.namespace ?? "default")}/${String(metadata.name)} gives app "${owner}" a ${engine} database, and "${owner}" is not allowed MariaDB/MySQL`,
        fix: `Ask the data module for a postgresql database for ${owner} and point the app at it. ${allowFix}`,
      });
    }

    for (const workload of input.facts.workloads.filter((w) => serverKinds.has(w.kind) && w.namespace !== dataNamespace)) {
      const engine = databaseEngine(workload);
      if (!engine) continue;
      violations.push({
        address: workload.address,
        message: `${workload.kind} ${workload.namespace}/${workload.name} runs its own ${engine} database server; databases live in the data layer`,
        fix: "Remove it (for a chart, disable its bundled database) and ask the data module for the app's database (PostgreSQL unless allowlisted): it creates it on the data layer's server and a connection Secret in the app's namespace.",
      });
    }

    for (const release of planned.filter((r) => r.helm)) {
      const chart = release.helm!.chart.split("/").pop()!;
      const type = String(obj(release.helm!.values.externalDatabase).type ?? "").toLowerCase();
      if (!mysqlFamily.has(type) || allowedApp(chart)) continue;
      violations.push({
        address: release.address,
        message: `chart "${chart}" is configured with externalDatabase.type "${type}", and "${chart}" is not allowed MariaDB/MySQL`,
        fix: `Set externalDatabase.type to postgresql and use the connection Secret the data module creates for the app. ${allowFix}`,
      });
    }
    return violations;
  },
});
