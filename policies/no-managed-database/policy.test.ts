import { describe, expect, it } from "vitest";
import type { PlannedResource } from "../../harness/plan.ts";
import { factsOf } from "../../harness/policy/facts.ts";
import type { PolicyInput } from "../../harness/policy/types.ts";
import rule from "./policy.ts";

// The real-plan fixtures cover managed endpoints, and fixtures/digitalocean-fail the
// digitalocean_database_* resources where PLATFORM_PROVIDER_MIRROR supplies the provider; these
// cases run everywhere, on resources as the plan model carries them.
function inputOf(resource: PlannedResource): PolicyInput {
  return { environment: "x", variables: {}, resources: [resource], facts: factsOf([resource]), sources: [] };
}

function planned(type: string, values: Record<string, unknown>): PlannedResource {
  return { address: `${type}.db`, module: "", mode: "managed", type, name: "db", provider: "digitalocean/digitalocean", actions: ["create"], values, afterUnknown: {} };
}

describe("no-managed-database on DigitalOcean database resources", () => {
  it.each(["digitalocean_database_cluster", "digitalocean_database_user", "digitalocean_database_connection_pool", "digitalocean_database_replica"])("rejects %s", (type) => {
    const violations = rule.evaluate(inputOf(planned(type, { name: "db" })));
    expect(violations).toEqual([expect.objectContaining({ address: `${type}.db`, message: `${type} is a managed database resource` })]);
  });

  // Other clouds' managed databases, and reading one through a data source, are the same class.
  it.each([
    ["data", "digitalocean_database_cluster", "data source"],
    ["managed", "aws_db_instance", "resource"],
    ["managed", "google_sql_database_instance", "resource"],
    ["managed", "azurerm_postgresql_flexible_server", "resource"],
    ["managed", "neon_project", "resource"],
  ] as const)("rejects a %s %s", (mode, type, what) => {
    const violations = rule.evaluate(inputOf({ ...planned(type, { name: "db" }), mode, address: `${mode === "data" ? "data." : ""}${type}.db` }));
    expect(violations).toEqual([expect.objectContaining({ address: `${mode === "data" ? "data." : ""}${type}.db`, message: `${type} is a managed database ${what}` })]);
  });

  it("leaves other DigitalOcean resources alone", () => {
    expect(rule.evaluate(inputOf(planned("digitalocean_spaces_bucket", { name: "backups" })))).toEqual([]);
  });
});
