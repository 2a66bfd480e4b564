import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { cacheDir } from "../paths.ts";
import { createCa, loadCa, type CertificateAuthority } from "../pki.ts";
import { withCacheLock } from "../toolchain/lock.ts";

/**
 * The CA the node's test object store is served under. The modules accept only https for an
 * object store that is not on loopback, and a pod's rclone must trust the server, so the rclone
 * stand-in trusts this CA besides Mozilla's (the stand-in report says so). It is made once per
 * platform cache (key mode 0600) and signs nothing but test object stores.
 */
export async function objectStoreCa(): Promise<CertificateAuthority> {
  const dir = join(cacheDir(), "standins");
  const files = { cert: join(dir, "object-store-ca.crt"), key: join(dir, "object-store-ca.key") };
  const load = async () => loadCa({ cert: await readFile(files.cert, "utf8"), key: await readFile(files.key, "utf8") });
  if (existsSync(files.key)) return load();
  await mkdir(dir, { recursive: true });
  return withCacheLock(cacheDir(), "object-store-ca", async () => {
    if (existsSync(files.key)) return load();
    const authority = await createCa("doks-platform test object store CA", 3650);
    await writeFile(files.key, authority.ca.key, { mode: 0o600 });
    await writeFile(files.cert, authority.ca.cert);
    return authority;
  });
}
