import { defineRule, type Violation } from "../../harness/policy/types.ts";

// Hosts of managed database services, in any string of the plan: DigitalOcean's (private ones
// add "private-"), and the other clouds' and database vendors' hosted offerings.
const managedHost = new RegExp(
  String.raw`\b[\w.-]+\.(db\.ondigitalocean\.com|rds\.amazonaws\.com|rds\.amazonaws\.com\.cn|postgres\.database\.azure\.com|mysql\.database\.azure\.com|mariadb\.database\.azure\.com|postgres\.cosmos\.azure\.com|aivencloud\.com|neon\.tech|supabase\.co|pooler\.supabase\.com|psdb\.cloud|db\.postgresbridge\.com|tsdb\.cloud\.timescale\.com|cockroachlabs\.cloud|elephantsql\.com|scalegrid\.io|db\.ondigitalocean\.net)\b`,
  "i",
);
// Resource and data source types of managed databases (the provider's own name for them).
const managedTypes = /^(digitalocean_database_|aws_db_|aws_rds_|google_sql_|google_alloydb_|azurerm_(postgresql|mysql|mariadb)_|neon_|supabase_|aiven_(pg|mysql)|scaleway_rdb_|linode_database_|vultr_database|ovh_cloud_project_database|exoscale_dbaas)/;

/** Every string of a value with the path that leads to it. */
function* strings(value: unknown, path: string): Generator<{ path: string; text: string }> {
  if (typeof value === "string") yield { path, text: value };
  else if (Array.isArray(value)) for (const [index, item] of value.entries()) yield* strings(item, `${path}[${index}]`);
  else if (value && typeof value === "object") for (const [key, item] of Object.entries(value)) yield* strings(item, path ? `${path}.${key}` : key);
}

export default defineRule({
  id: "no-managed-database",
  title: "No managed database",
  severity: "error",
  evaluate(input) {
    const violations: Violation[] = [];
    for (const resource of input.resources) {
      if (managedTypes.test(resource.type)) {
        violations.push({
          address: resource.address,
          message: `${resource.type} is a managed database ${resource.mode === "data" ? "data source" : "resource"}`,
          fix: "Ask the data module for a database instead: the platform runs PostgreSQL and MariaDB itself, as StatefulSets on block storage.",
        });
        continue;
      }
      // Rendered chart objects are judged one by one below, with their own paths.
      // A release is judged on its merged values (values YAML, set, set_sensitive) with their paths.
      const { manifest: _manifest, values: _values, set: _set, set_list: _list, set_sensitive: _sensitive, ...settings } = resource.values;
      const found = [...(resource.helm ? [...strings(resource.helm.values, "values"), ...strings(settings, "")] : strings(resource.values, ""))].map((entry) => ({ ...entry, host: entry.text.match(managedHost)?.[0] })).find((entry) => entry.host);
      const rendered = (resource.helm?.manifests ?? []).flatMap((object) => [...strings(object, `manifest(${String(object.kind)}/${String((object.metadata as { name?: unknown } | undefined)?.name)})`)]).map((entry) => ({ ...entry, host: entry.text.match(managedHost)?.[0] })).find((entry) => entry.host);
      for (const hit of [found, rendered].filter((entry) => entry !== undefined)) {
        violations.push({
          address: resource.address,
          path: hit.path,
          message: `points at the managed database endpoint ${hit.host}`,
          fix: "Use the connection Secret the data module creates for the app (host postgres.data.svc or mariadb.data.svc).",
        });
      }
    }
    return violations;
  },
});
