import { describe, expect, it } from "vitest";
import { substitutionsFor } from "../../harness/images/standins.ts";
import { parseReference } from "../../harness/images/reference.ts";
import { loadVersions } from "../../harness/toolchain/versions.ts";

const versions = loadVersions();
const digest = `sha256:${"a".repeat(64)}`;

describe("image references, parsed as the container runtime does", () => {
  it.each([
    ["postgres:17.6", "docker.io/library/postgres", "docker.io/library/postgres:17.6"],
    ["valkey/valkey:8.1.3", "docker.io/valkey/valkey", "docker.io/valkey/valkey:8.1.3"],
    ["docker.io/rclone/rclone:1.71.0", "docker.io/rclone/rclone", "docker.io/rclone/rclone:1.71.0"],
    ["ghcr.io/org/app:v2", "ghcr.io/org/app", "ghcr.io/org/app:v2"],
    ["localhost:5000/app:1", "localhost:5000/app", "localhost:5000/app:1"],
    [`postgres@${digest}`, "docker.io/library/postgres", `docker.io/library/postgres@${digest}`],
    // Tag and digest: the runtime goes by the digest.
    [`postgres:17.6@${digest}`, "docker.io/library/postgres", `docker.io/library/postgres@${digest}`],
  ])("%s", (written, repository, canonical) => {
    expect(parseReference(written)).toMatchObject({ repository, canonical });
  });

  it.each(["postgres", "Postgres:17", "postgres:17 ", "postgres@sha256:abc", "postgres:bad tag", "a@b@c", ":17"])("refuses %j with the fix", (written) => {
    expect(() => parseReference(written)).toThrow(/image reference/);
  });
});

describe("which stand-in serves a reference", () => {
  it("a tag is served under its own name, a digest through the node's override", () => {
    const found = substitutionsFor(["postgres:17.6", `rclone/rclone:1.71.0@${digest}`, "valkey/valkey:8.1.3", "postgres:17.6"], versions);
    expect(found.map((s) => [s.reference.canonical, s.standin, s.via])).toEqual([
      ["docker.io/library/postgres:17.6", "postgres", "tag"],
      [`docker.io/rclone/rclone@${digest}`, "rclone", "digest"],
      ["docker.io/valkey/valkey:8.1.3", "valkey", "tag"],
    ]);
  });

  it("fails closed on an image it has no stand-in for", () => {
    expect(() => substitutionsFor(["nginx:1.27"], versions)).toThrow(/nginx:1.27 has no stand-in/);
  });

  it("refuses a stand-in of another major line, and an exact-version stand-in of another version", () => {
    expect(() => substitutionsFor(["postgres:16.4"], versions)).toThrow(/provides 17.*not the 16 line/);
    expect(() => substitutionsFor(["rclone/rclone:1.72.0"], versions)).toThrow(/provides 1.71.0.*not the 1.72.0 line/);
    expect(() => substitutionsFor(["postgres:latest"], versions)).toThrow(/names no version/);
  });

  it("accepts another release of the line the recipe promises (PostgreSQL's major, MariaDB's and Valkey's minor), and no other", () => {
    expect(substitutionsFor(["postgres:17.11", "mariadb:11.8.8", "valkey/valkey:8.1.3"], versions).map((s) => s.standin)).toEqual(["mariadb", "postgres", "valkey"]);
    expect(() => substitutionsFor(["mariadb:11.4.8"], versions)).toThrow(/not the 11.4 line/);
    expect(() => substitutionsFor(["valkey/valkey:8.0.2"], versions)).toThrow(/not the 8.0 line/);
  });
});
