import { randomBytes } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { freePort, supervise, waitUntilReady } from "../processes.ts";
import { ensureTool } from "../toolchain/index.ts";
import { serviceDir, type LocalService } from "./common.ts";

export interface LocalS3 extends LocalService {
  endpoint: string;
  accessKey: string;
  secretKey: string;
  /** The pinned rclone (built from Go modules), the one the rclone steps run. */
  rcloneBinary: string;
  /** rclone's environment for a remote named `name` on this server, with the provider settings the CronJobs use for Spaces. */
  rcloneEnv(name?: string, credentials?: { accessKey: string; secretKey: string }): Record<string, string>;
  createBucket(bucket: string): Promise<void>;
  /** OpenTofu's backend "s3" block for state at bucket/key on this server, locked with use_lockfile. */
  tofuBackend(bucket: string, key: string): string;
  /** The keys of this server under the names OpenTofu's s3 backend reads. */
  backendEnv: Record<string, string>;
  /** rclone against this server with a clean environment, as in a CronJob pod. */
  rclone(args: string[], env?: Record<string, string>): Promise<{ stdout: string; exitCode?: number }>;
}

/** versitygw on loopback, POSIX backend in a temp folder: real SigV4 checks, real S3 semantics. */
export async function startS3(): Promise<LocalS3> {
  const versitygw = await ensureTool("versitygw");
  const rcloneBinary = await ensureTool("rclone");
  // The rclone steps run as nobody and must reach nothing on disk here but through S3.
  const service = await serviceDir("s3", 0);
  const root = join(service.dir, "buckets");
  await mkdir(root);
  const port = await freePort();
  const accessKey = `AK${randomBytes(8).toString("hex").toUpperCase()}`;
  const secretKey = randomBytes(20).toString("hex");
  const endpoint = `http://127.0.0.1:${port}`;
  // Keys through the environment, not argv, which any local user can read.
  const server = supervise("versitygw", versitygw, ["--port", `127.0.0.1:${port}`, "posix", root], join(service.dir, "versitygw.log"), {
    env: { ROOT_ACCESS_KEY_ID: accessKey, ROOT_SECRET_ACCESS_KEY: secretKey },
  });
  const processes = [server];
  const rcloneEnv = (name = "backups", credentials = { accessKey, secretKey }) => {
    const prefix = `RCLONE_CONFIG_${name.toUpperCase()}`;
    return {
      [`${prefix}_TYPE`]: "s3",
      // Spaces' provider quirks (multipart ETag checks included); path style, as the test server
      // has no per-bucket host names.
      [`${prefix}_PROVIDER`]: "DigitalOcean",
      [`${prefix}_FORCE_PATH_STYLE`]: "true",
      [`${prefix}_ENDPOINT`]: endpoint,
      [`${prefix}_ACCESS_KEY_ID`]: credentials.accessKey,
      [`${prefix}_SECRET_ACCESS_KEY`]: credentials.secretKey,
      [`${prefix}_REGION`]: "us-east-1",
    };
  };
  try {
    await waitUntilReady(server, async () => (await fetch(endpoint).catch(() => undefined)) !== undefined, 30_000, "Rebuild versitygw with `make toolchain`.");
    // A clean environment: a machine-wide AWS_CA_BUNDLE, say, changes how rclone's S3 client dials.
    const rclone = (args: string[], env: Record<string, string> = {}) =>
      execa(rcloneBinary, args, { env: { PATH: process.env.PATH ?? "", HOME: service.dir, ...rcloneEnv(), ...env }, extendEnv: false });
    const createBucket = async (bucket: string) => {
      await rclone(["mkdir", `backups:${bucket}`]);
    };
    // Production's settings (environments/production/*/versions.tf), plus path style: this
    // server has no per-bucket host names.
    const tofuBackend = (bucket: string, key: string) => `backend "s3" {
    bucket                      = "${bucket}"
    key                         = "${key}"
    region                      = "us-east-1"
    endpoints                   = { s3 = "${endpoint}" }
    use_path_style              = true
    use_lockfile                = true
    skip_credentials_validation = true
    skip_region_validation      = true
    skip_requesting_account_id  = true
    skip_metadata_api_check     = true
    skip_s3_checksum            = true
  }`;
    const backendEnv = { AWS_ACCESS_KEY_ID: accessKey, AWS_SECRET_ACCESS_KEY: secretKey };
    return { endpoint, accessKey, secretKey, rcloneBinary, rcloneEnv, createBucket, rclone, tofuBackend, backendEnv, stop: () => service.stop(processes) };
  } catch (error) {
    await service.stop(processes);
    throw error;
  }
}
