import { defineRule, type Violation } from "../../harness/policy/types.ts";
import allowed from "./mariadb-allowed.json" with { type: "json" };

/** Apps that may use MariaDB, each with the reason it cannot run on PostgreSQL. */
const mariadbAllowed: Record<string, string> = allowed;
const mysqlFamily = new Set(["mariadb", "mysql"]);
const dataNamespace = "data";

type Json = Record<string, unknown>;
const obj = (value: unknown): Json => (value && typeof value === "object" && !Array.isArray(value) ? (value as Json) : {});
const allowedApp = (app: string) => Object.hasOwn(mariadbAllowed, app);
const allowFix = "If the app truly cannot run on PostgreSQL, add it to policies/postgres-first/mariadb-allowed.json with the reason.";
/** A chart reference (name, repo/name, OCI path, local path or packaged .tgz) -> the chart's name. */
const chartName = (chart: string) => chart.replace(/\/+$/, "").split("/").pop()!.replace(/-\d+\.\d+\.\d+([-+][\w.]+)?\.tgz$/, "").replace(/\.tgz$/, "").toLowerCase();

export default defineRule({
  id: "postgres-first",
  title: "App databases are PostgreSQL unless allowlisted",
  severity: "error",
  evaluate(input) {
    const violations: Violation[] = [];
    // Resources being destroyed are on their way out; judging them would block their removal.
    const planned = input.resources.filter((r) => !(r.actions.length === 1 && r.actions[0] === "delete"));

    for (const object of [...input.facts.secrets.map((o) => ({ ...o, kind: "Secret" })), ...input.facts.configMaps.map((o) => ({ ...o, kind: "ConfigMap" }))]) {
      const engine = String(object.labels["platform/database-engine"] ?? "").toLowerCase();
      const owner = object.labels["platform/database-owner"];
      if (typeof owner !== "string" || !mysqlFamily.has(engine) || allowedApp(owner)) continue;
      violations.push({
        address: object.address,
        path: object.path,
        message: `connection ${object.kind} ${object.namespace}/${object.name} gives app "${owner}" a ${engine} database, and "${owner}" is not allowed MariaDB/MySQL`,
        fix: `Ask the data module for a postgresql database for ${owner} and point the app at it. ${allowFix}`,
      });
    }

    // Any workload kind: a database server is a database server, whatever runs it.
    for (const workload of input.facts.workloads.filter((w) => w.database && w.namespace !== dataNamespace)) {
      const database = workload.database!;
      const container = workload.containers.find((c) => c.name === database.container);
      violations.push({
        address: workload.address,
        path: container?.path ?? workload.path,
        message: `${workload.kind} ${workload.namespace}/${workload.name} runs its own ${database.engine} database server${container ? ` (container "${container.name}", image ${container.image})` : ""}; databases live in the data layer`,
        fix: "Remove it (for a chart, disable its bundled database) and ask the data module for the app's database (PostgreSQL unless allowlisted): it creates it on the data layer's server and a connection Secret in the app's namespace.",
      });
    }

    for (const release of planned.filter((r) => r.helm)) {
      const chart = chartName(release.helm!.chart);
      const type = String(obj(release.helm!.values.externalDatabase).type ?? "").toLowerCase();
      if (!mysqlFamily.has(type) || allowedApp(chart)) continue;
      violations.push({
        address: release.address,
        path: "values.externalDatabase.type",
        message: `chart "${chart}" is configured with externalDatabase.type "${type}", and "${chart}" is not allowed MariaDB/MySQL`,
        fix: `Set externalDatabase.type to postgresql and use the connection Secret the data module creates for the app. ${allowFix}`,
      });
    }
    return violations;
  },
});
