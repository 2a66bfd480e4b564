import { describe, expect, it } from "vitest";
import type { PlannedResource } from "../../harness/plan.ts";
import { factsOf } from "../../harness/policy/facts.ts";
import type { PolicyInput } from "../../harness/policy/types.ts";
import rule from "./policy.ts";

// The real-plan fixtures cover databases and their CronJobs, and fixtures/digitalocean-{pass,fail}
// the buckets where PLATFORM_PROVIDER_MIRROR supplies the provider; these cases run everywhere,
// on buckets as the plan model carries them (lifecycle_rule and expiration as lists).
function bucket(name: string, lifecycleRule: unknown[] = []): PlannedResource {
  return { address: `digitalocean_spaces_bucket.${name}`, module: "", mode: "managed", type: "digitalocean_spaces_bucket", name, provider: "digitalocean/digitalocean", actions: ["create"], values: { name, region: "fra1", lifecycle_rule: lifecycleRule }, afterUnknown: {} };
}

function evaluate(...resources: PlannedResource[]) {
  const input: PolicyInput = { environment: "x", variables: {}, resources, facts: factsOf(resources), sources: [] };
  return rule.evaluate(input).map((v) => v.address);
}

const expireAfter = (days: number, enabled = true) => ({ id: "expire", enabled, prefix: null, abort_incomplete_multipart_upload_days: null, expiration: [{ days, date: null, expired_object_delete_marker: false }], noncurrent_version_expiration: [] });

describe("stateful-backed-up on Spaces buckets", () => {
  it("accepts a backup bucket whose enabled rule expires old backups by age", () => {
    expect(evaluate(bucket("acme-db-backups", [expireAfter(30)]), bucket("acme-velero", [expireAfter(14)]))).toEqual([]);
  });

  it("rejects a rule that expires by date: every backup would go on that day", () => {
    const byDate = { ...expireAfter(0), expiration: [{ days: null, date: "2027-01-01", expired_object_delete_marker: false }] };
    const input: PolicyInput = { environment: "x", variables: {}, resources: [bucket("acme-velero", [expireAfter(0, false), byDate])], facts: factsOf([]), sources: [] };
    expect(rule.evaluate(input).map((v) => [v.address, v.path])).toEqual([["digitalocean_spaces_bucket.acme-velero", "lifecycle_rule[1].expiration"]]);
  });

  it("rejects backup buckets without an enabled expiring rule", () => {
    const deleteMarkersOnly = { ...expireAfter(0), expiration: [{ days: null, date: null, expired_object_delete_marker: true }] };
    const abortOnly = { ...expireAfter(0), expiration: [], abort_incomplete_multipart_upload_days: 7 };
    expect(evaluate(bucket("acme-backups"), bucket("acme-velero", [expireAfter(30, false)]), bucket("nightly-backup-store", [deleteMarkersOnly, abortOnly]))).toEqual([
      "digitalocean_spaces_bucket.acme-backups",
      "digitalocean_spaces_bucket.acme-velero",
      "digitalocean_spaces_bucket.nightly-backup-store",
    ]);
  });

  it("leaves buckets that are not backup targets alone", () => {
    expect(evaluate(bucket("acme-media"), bucket("velero-charts"))).toEqual([]);
  });
});
