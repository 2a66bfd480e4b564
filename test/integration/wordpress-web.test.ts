import { existsSync, readdirSync } from "node:fs";
import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../../harness/paths.ts";
import { freePort, stopAll, supervise, waitUntilReady, type Supervised } from "../../harness/processes.ts";
import { ensurePlanToolchain } from "../../harness/toolchain/index.ts";

// The WordPress pod's web tier, run for real: the module's nginx.conf, php.ini and php-fpm pool
// (rendered by tofu's own templatefile) in Debian's nginx and php-fpm, which `make toolchain`
// installs. The versions differ from the images' (nginx 1.22 and PHP 8.2 here), the directives do
// not. Only what ties the cluster to this machine changes: ports, document root and file paths.
const config = join(repoRoot, "modules/wordpress/config");
const uploadMaxMb = 8;

async function render(tofu: string, template: string, variables: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "render-"));
  try {
    const { stdout } = await execa(tofu, ["console"], { cwd: dir, input: `templatefile("${join(config, template)}", ${variables})`, env: { TF_CLI_CONFIG_FILE: "/dev/null" } });
    // A multi-line string prints as a heredoc.
    return stdout.split("\n").slice(1, -1).join("\n");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const phpFpm = () => readdirSync("/usr/sbin").filter((file) => /^php-fpm[0-9.]*$/.test(file)).map((file) => join("/usr/sbin", file))[0];

describe("WordPress's nginx and php-fpm configuration, served by real nginx and php-fpm", () => {
  let dir: string;
  let http: number;
  let health: number;
  const processes: Supervised[] = [];
  const get = (port: number, path: string, headers: Record<string, string> = {}) => fetch(`http://127.0.0.1:${port}${path}`, { headers });

  beforeAll(async () => {
    const { tofu } = await ensurePlanToolchain();
    const fpm = phpFpm();
    expect(existsSync("/usr/sbin/nginx") && fpm, "nginx and php-fpm come from Debian (make toolchain installs them)").toBeTruthy();
    dir = await mkdtemp(join(tmpdir(), "wordpress-web-"));
    // nginx's workers run unprivileged (nobody here, nginx in the pod) and must read the root.
    await chmod(dir, 0o755);
    [http, health] = [await freePort(), await freePort()];
    const fastcgi = await freePort();
    const here = (text: string) =>
      text
        .replaceAll("127.0.0.1:9000", `127.0.0.1:${fastcgi}`)
        .replaceAll(" /tmp/", ` ${dir}/tmp/`)
        // Node's child stdio are sockets, which /dev/stderr cannot be opened on; a pod's are pipes.
        .replace("error_log /dev/stderr", `error_log ${dir}/nginx-error.log`)
        .replace("access_log /dev/stdout", `access_log ${dir}/nginx-access.log`)
        .replace("root /var/www/html;", `root ${dir}/html;`)
        // -p moves nginx's prefix here; fastcgi_params stays where both images and Debian keep it.
        .replaceAll("include fastcgi_params;", "include /etc/nginx/fastcgi_params;");
    const nginxConf = here(await render(tofu, "nginx.conf.tftpl", `{ upload_max_mb = ${uploadMaxMb}, http_port = ${http}, health_port = ${health} }`));
    const phpIni = await render(tofu, "php.ini.tftpl", `{ upload_max_mb = ${uploadMaxMb}, memory_limit_mb = 128 }`);
    const pool = (await execa("cat", [join(config, "fpm-pool.conf")])).stdout;
    await mkdir(join(dir, "tmp"));
    await mkdir(join(dir, "html/wp-content/uploads"), { recursive: true });
    await writeFile(join(dir, "nginx.conf"), nginxConf);
    await writeFile(join(dir, "php.ini"), phpIni);
    // The image's pool settings (listen, clear_env) come first, the module's pool file after, as in the image.
    await writeFile(join(dir, "fpm.conf"), `[global]\ndaemonize = no\nerror_log = ${dir}/fpm.log\npid = ${dir}/fpm.pid\n[www]\nlisten = 127.0.0.1:${fastcgi}\nclear_env = no\n${pool.replace("[www]", "")}\n`);
    await writeFile(join(dir, "html/index.php"), `<?php echo json_encode(["https" => $_SERVER["HTTPS"] ?? "", "remote" => $_SERVER["REMOTE_ADDR"], "upload_max" => ini_get("upload_max_filesize"), "post_max" => ini_get("post_max_size"), "files" => count($_FILES)]);\n`);
    await writeFile(join(dir, "html/wp-content/uploads/shell.php"), "<?php echo 'executed';\n");

    // php-fpm refuses root without -R; the image runs it as www-data.
    const asRoot = process.getuid?.() === 0 ? ["-R"] : [];
    processes.push(supervise("php-fpm", fpm!, ["-F", "-y", join(dir, "fpm.conf"), "-c", join(dir, "php.ini"), ...asRoot], join(dir, "fpm.out")));
    processes.push(supervise("nginx", "/usr/sbin/nginx", ["-c", join(dir, "nginx.conf"), "-p", dir, "-g", "daemon off;"], join(dir, "nginx.out")));
    for (const process of processes) await waitUntilReady(process, async () => (await get(health, "/fpm-ping").catch(() => undefined))?.status === 200, 30_000, "See the process log in the test's temp folder.");
  });

  afterAll(async () => {
    await stopAll(processes);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("accepts the rendered nginx configuration", async () => {
    const result = await execa("/usr/sbin/nginx", ["-t", "-c", join(dir, "nginx.conf"), "-p", dir], { reject: false, all: true });
    expect(result.exitCode, result.all).toBe(0);
  });

  it("answers the probes: nginx's /healthz and php-fpm's own ping through nginx", async () => {
    expect(await (await get(health, "/healthz")).text()).toBe("ok\n");
    expect(await (await get(health, "/fpm-ping")).text()).toBe("pong");
  });

  it("tells PHP the request was HTTPS when Traefik says so, and only then", async () => {
    expect(((await (await get(http, "/", { "X-Forwarded-Proto": "https" })).json()) as { https: string }).https).toBe("on");
    expect(((await (await get(http, "/")).json()) as { https: string }).https).toBe("");
  });

  it("takes the visitor's address from X-Forwarded-For only when a cluster address sends it", async () => {
    // The test client is loopback, not a trusted proxy: the header is ignored.
    const seen = (await (await get(http, "/", { "X-Forwarded-For": "203.0.113.9" })).json()) as { remote: string };
    expect(seen.remote).toBe("127.0.0.1");
  });

  it("has one upload limit: PHP takes a file under it, nginx refuses one over it before PHP sees it", async () => {
    const form = (bytes: number) => {
      const body = new FormData();
      body.append("file", new Blob([new Uint8Array(bytes)]), "upload.bin");
      return body;
    };
    const under = await fetch(`http://127.0.0.1:${http}/index.php`, { method: "POST", body: form((uploadMaxMb - 1) * 1024 * 1024) });
    expect(under.status).toBe(200);
    expect(await under.json()).toMatchObject({ upload_max: `${uploadMaxMb}M`, post_max: `${uploadMaxMb}M`, files: 1 });
    const over = await fetch(`http://127.0.0.1:${http}/index.php`, { method: "POST", body: form((uploadMaxMb + 1) * 1024 * 1024) });
    expect(over.status).toBe(413);
  });

  it("never runs PHP from the uploads folder, and hides dotfiles", async () => {
    expect((await get(http, "/wp-content/uploads/shell.php")).status).toBe(403);
    expect((await get(http, "/.htaccess")).status).toBe(403);
  });

  it("serves the probe port's paths nowhere else", async () => {
    const body = await (await get(http, "/fpm-ping")).text();
    expect(body).not.toBe("pong");
  });
});
