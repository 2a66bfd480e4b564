import { describe, expect, it } from "vitest";
import type { PlannedResource } from "../../harness/plan.ts";
import { factsOf } from "../../harness/policy/facts.ts";
import type { PolicyInput } from "../../harness/policy/types.ts";
import rule from "./policy.ts";

// The real-plan fixtures cover managed endpoints. Planning a digitalocean_database_* resource
// needs the digitalocean provider, which the CI machines cannot build (see versions.json), so
// this branch is checked on the resource as the plan model would carry it.
function inputOf(resource: PlannedResource): PolicyInput {
  return { environment: "x", variables: {}, resources: [resource], facts: factsOf([resource]), sources: [] };
}

function planned(type: string, values: Record<string, unknown>): PlannedResource {
  return { address: `${type}.db`, module: "", mode: "managed", type, name: "db", provider: "digitalocean/digitalocean", actions: ["create"], values, afterUnknown: {} };
}

describe("no-managed-database on DigitalOcean database resources", () => {
  it.each(["digitalocean_database_cluster", "digitalocean_database_user", "digitalocean_database_connection_pool", "digitalocean_database_replica"])("rejects %s", (type) => {
    const violations = rule.evaluate(inputOf(planned(type, { name: "db" })));
    expect(violations).toEqual([expect.objectContaining({ address: `${type}.db`, message: `${type} is a DigitalOcean managed database resource` })]);
  });

  it("leaves other DigitalOcean resources alone", () => {
    expect(rule.evaluate(inputOf(planned("digitalocean_spaces_bucket", { name: "backups" })))).toEqual([]);
  });
});
