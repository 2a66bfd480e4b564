import { cp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { repoRoot } from "../paths.ts";
import { execa } from "execa";
import { z } from "zod";
import { PlatformError, tail } from "../errors.ts";
import { detail } from "../progress.ts";

/**
 * Go builds get their own module and build caches inside the platform cache, so an empty
 * cache really is a cold build and the user's own Go caches are left alone.
 */
export function goEnv(cache: string): Record<string, string> {
  return {
    GOMODCACHE: join(cache, "go", "mod"),
    GOCACHE: join(cache, "go", "build"),
    GOTOOLCHAIN: "auto",
    GOWORK: "off",
    GOFLAGS: "",
    // Static binaries: nothing here needs cgo, and it keeps the build free of C toolchains.
    CGO_ENABLED: "0",
  };
}

export interface BuildContext {
  tool: string;
  version: string;
  cache: string;
}

/** Runs one go command; a failure names the tool, the version and the step. */
export async function go(ctx: BuildContext, stepName: string, args: string[], cwd?: string, extraEnv: Record<string, string> = {}) {
  detail(`${ctx.tool} ${ctx.version}: ${stepName}`);
  try {
    return await execa("go", args, { cwd, env: { ...goEnv(ctx.cache), ...extraEnv }, all: true });
  } catch (error) {
    const output = (error as { all?: string; code?: string }).code === "ENOENT" ? "go: command not found" : tail((error as { all?: string }).all);
    throw new PlatformError(
      `${ctx.tool} ${ctx.version}: the "${stepName}" step failed\n${output}`,
      `Needs Go on PATH and the Go module proxy. Fix the cause above, then run \`make toolchain\` again (finished tools are kept).`,
      { cause: error },
    );
  }
}

const downloadedModule = z.object({ Dir: z.string(), GoMod: z.string(), Version: z.string() });

export async function downloadModule(ctx: BuildContext, module: string, version: string) {
  const { stdout } = await go(ctx, `download ${module}@${version}`, ["mod", "download", "-json", `${module}@${version}`]);
  return downloadedModule.parse(JSON.parse(stdout));
}

/** The module cache is read-only and a module with `replace` only builds as the main module. */
export async function writableCopy(ctx: BuildContext, sourceDir: string, name: string): Promise<string> {
  const dest = join(ctx.cache, "work", name);
  await rm(dest, { recursive: true, force: true });
  await mkdir(dest, { recursive: true });
  await cp(sourceDir, dest, { recursive: true });
  await execa("chmod", ["-R", "u+w", dest]);
  return dest;
}

export function ldflags(extra?: string): string {
  return ["-s -w", extra].filter(Boolean).join(" ");
}

export async function buildInModuleCopy(ctx: BuildContext, module: string, version: string, pkg: string, out: string, extraLdflags?: string) {
  const downloaded = await downloadModule(ctx, module, version);
  const dir = await writableCopy(ctx, downloaded.Dir, `${ctx.tool}-${ctx.version}`);
  await go(ctx, "go build", ["build", "-trimpath", "-ldflags", ldflags(extraLdflags), "-o", out, pkg], dir);
  await rm(dir, { recursive: true, force: true });
  return downloaded;
}

export async function goInstall(ctx: BuildContext, pkg: string, version: string, out: string) {
  const gobin = join(ctx.cache, "work", `${ctx.tool}-${ctx.version}-bin`);
  await go(ctx, "go install", ["install", "-trimpath", "-ldflags", ldflags(), `${pkg}@v${version}`], undefined, { GOBIN: gobin });
  const binary = pkg.split("/").filter((part) => !/^v\d+$/.test(part)).pop()!;
  await mkdir(join(out, ".."), { recursive: true });
  await cp(join(gobin, binary), out);
  await rm(gobin, { recursive: true, force: true });
}

async function buildWrapper(ctx: BuildContext, goMod: string, mainGo: string | undefined, pkg: string, out: string, extraLdflags?: string) {
  const dir = join(ctx.cache, "work", `${ctx.tool}-${ctx.version}-wrapper`);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "go.mod"), goMod);
  if (mainGo) await writeFile(join(dir, "main.go"), mainGo);
  await go(ctx, "go build", ["build", "-mod=mod", "-trimpath", "-ldflags", ldflags(extraLdflags), "-o", out, pkg], dir);
  await rm(dir, { recursive: true, force: true });
}

/** etcd's server module has no main package of its own outside the repository root module. */
export async function buildEtcd(ctx: BuildContext, version: string, out: string) {
  const goMod = `module platform.local/etcd\n\ngo 1.26\n\nrequire go.etcd.io/etcd/server/v3 v${version}\n`;
  const mainGo = `package main\n\nimport (\n\t"os"\n\n\t"go.etcd.io/etcd/server/v3/etcdmain"\n)\n\nfunc main() { etcdmain.Main(os.Args) }\n`;
  await buildWrapper(ctx, goMod, mainGo, ".", out);
}

/**
 * k8s.io/kubernetes points its staging modules at ./staging/... through `replace`, which only
 * the main module may do: the wrapper points each one at its published k8s.io/X v0.MINOR.PATCH.
 */
export async function buildKubernetesComponent(ctx: BuildContext, version: string, pkg: string, out: string) {
  const downloaded = await downloadModule(ctx, "k8s.io/kubernetes", `v${version}`);
  const upstreamGoMod = await readFile(downloaded.GoMod, "utf8");
  const staging = [...upstreamGoMod.matchAll(/^\s*(k8s\.io\/[\w.-]+)\s+=>\s+\.\/staging\//gm)].map((m) => m[1]!);
  if (staging.length === 0) {
    throw new PlatformError(`${ctx.tool} ${version}: no staging replaces found in k8s.io/kubernetes go.mod`, "The upstream layout changed; update buildKubernetesComponent in harness/toolchain/go.ts.");
  }
  const [major, minor, patch] = version.split(".");
  const stagingVersion = `v0.${minor}.${patch}`;
  const goMod = [
    "module platform.local/kubernetes",
    "",
    "go 1.26",
    "",
    `require k8s.io/kubernetes v${version}`,
    "",
    ...staging.map((module) => `replace ${module} => ${module} ${stagingVersion}`),
    "",
  ].join("\n");
  const versionFlags = [
    `-X k8s.io/component-base/version.gitVersion=v${version}`,
    `-X k8s.io/component-base/version.gitMajor=${major}`,
    `-X k8s.io/component-base/version.gitMinor=${minor}`,
    "-X k8s.io/component-base/version.gitTreeState=clean",
  ].join(" ");
  await buildWrapper(ctx, goMod, undefined, pkg, out, versionFlags);
}

/**
 * CoreDNS with only the plugins the node's Corefile uses: a main package importing them, with
 * the directive order taken from the release itself (CoreDNS's documented way to choose plugins
 * at compile time). The full plugin set pulls in every cloud SDK and takes minutes to build.
 */
export async function buildCoreDns(ctx: BuildContext, version: string, plugins: string[], out: string) {
  const downloaded = await downloadModule(ctx, "github.com/coredns/coredns", `v${version}`);
  const generated = await readFile(join(downloaded.Dir, "core/dnsserver/zdirectives.go"), "utf8");
  const order = [...generated.matchAll(/^\s*"([a-z0-9_]+)",$/gm)].map((match) => match[1]!);
  const unknown = plugins.filter((plugin) => !order.includes(plugin));
  if (unknown.length > 0) throw new PlatformError(`${ctx.tool} ${version}: no plugin ${unknown.join(", ")} in this release`, "Fix tools.coredns.plugins in versions.json.");
  const chosen = order.filter((plugin) => plugins.includes(plugin));
  const goMod = `module platform.local/coredns\n\ngo 1.26\n\nrequire github.com/coredns/coredns v${version}\n`;
  const mainGo = [
    "package main",
    "",
    "import (",
    '\t"github.com/coredns/coredns/core/dnsserver"',
    '\t"github.com/coredns/coredns/coremain"',
    ...chosen.map((plugin) => `\t_ "github.com/coredns/coredns/plugin/${plugin}"`),
    ")",
    "",
    `func init() { dnsserver.Directives = []string{${chosen.map((plugin) => JSON.stringify(plugin)).join(", ")}} }`,
    "",
    "func main() { coremain.Run() }",
    "",
  ].join("\n");
  await buildWrapper(ctx, goMod, mainGo, ".", out, `-X github.com/coredns/coredns/coremain.GitCommit=v${version}`);
}

/**
 * kube-router's NetworkPolicy controller without the rest of kube-router: a main package of our
 * own (harness/toolchain/wrappers/kube-router-netpol.go) importing only the netpol controller,
 * so BGP, IPVS and the container-runtime clients are never compiled.
 */
export async function buildKubeRouterNetpol(ctx: BuildContext, module: string, version: string, out: string) {
  const goMod = `module platform.local/kube-router-netpol\n\ngo 1.26\n\nrequire ${module} v${version}\n`;
  const mainGo = await readFile(join(repoRoot, "harness/toolchain/wrappers/kube-router-netpol.go"), "utf8");
  await buildWrapper(ctx, goMod, mainGo, ".", out, `-X ${module}/pkg/version.Version=v${version}`);
}
