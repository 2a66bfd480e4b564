import { defineRule, type Violation } from "../../harness/policy/types.ts";

// DigitalOcean managed database hosts end in this suffix (private ones add "private-").
const managedHost = /\b[\w.-]+\.db\.ondigitalocean\.com\b/i;

function* strings(value: unknown): Generator<string> {
  if (typeof value === "string") yield value;
  else if (Array.isArray(value)) for (const item of value) yield* strings(item);
  else if (value && typeof value === "object") for (const item of Object.values(value)) yield* strings(item);
}

export default defineRule({
  id: "no-managed-database",
  title: "No managed database",
  severity: "error",
  evaluate(input) {
    const violations: Violation[] = [];
    for (const resource of input.resources) {
      if (resource.type.startsWith("digitalocean_database_")) {
        violations.push({
          address: resource.address,
          message: `${resource.type} is a DigitalOcean managed database resource`,
          fix: "Ask the data module for a database instead: the platform runs PostgreSQL and MariaDB itself, as StatefulSets on block storage.",
        });
        continue;
      }
      const host = [...strings(resource.values)].map((text) => text.match(managedHost)?.[0]).find(Boolean);
      if (host) {
        violations.push({
          address: resource.address,
          message: `points at the managed database endpoint ${host}`,
          fix: "Use the connection Secret the data module creates for the app (host postgres.data.svc or mariadb.data.svc).",
        });
      }
    }
    return violations;
  },
});
