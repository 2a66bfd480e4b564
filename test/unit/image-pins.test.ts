import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { debianRootDir } from "../../harness/toolchain/debian-root.ts";
import { loadVersions } from "../../harness/toolchain/versions.ts";

// The backup scripts are tested with the servers and tools of versions.json's debianRoot and
// its rclone build; the images the CronJobs run must be the same lines, or the tests prove
// nothing about production. (test/unit/images.test.ts holds the modules to versions.json's images.)
const versions = loadVersions();
const tag = (image: string) => versions.images[image]?.tag;

describe("image pins agree with what the tests run", () => {
  it("PostgreSQL: the image's major is the tested one", () => {
    const tested = versions.debianRoot.packages["postgresql-17"];
    expect(tested).toBeDefined();
    expect(tag("postgres")?.split(".")[0]).toBe("17");
  });

  it("MariaDB: the image is on the tested LTS line", () => {
    const tested = versions.debianRoot.packages["mariadb-server"]!.replace(/^\d+:/, "");
    expect(tag("mariadb")?.split(".").slice(0, 2).join(".")).toBe(tested.split(".").slice(0, 2).join("."));
  });

  it("rclone: the image's version is the one built from Go modules for the tests", () => {
    expect(tag("rclone")).toBe(versions.tools.rclone?.version);
  });

  it("the Debian root, where built, holds the pinned lines", (ctx) => {
    const manifest = join(debianRootDir(versions), "packages.json");
    ctx.skip(!existsSync(manifest), "the Debian root is not built (make toolchain): the installed-version check did not run");
    const installed = JSON.parse(readFileSync(manifest, "utf8")).packages as Record<string, string>;
    for (const [name, prefix] of Object.entries(versions.debianRoot.packages)) expect(installed[name], name).toMatch(new RegExp(`^${prefix.replace(/[.+]/g, "\\$&")}`));
  });
});
