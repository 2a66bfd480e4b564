import { execa, type Options } from "execa";
import { PlatformError, tail } from "./errors.ts";
import type { Toolchain } from "./toolchain/index.ts";

export interface TofuOptions {
  toolchain: Pick<Toolchain, "tofu" | "cliConfig">;
  /** Root configuration to run in. */
  dir: string;
  /** TF_VAR_* style inputs; values are passed through the environment so they never reach argv or logs. */
  variables?: Record<string, string>;
  /** TF_DATA_DIR: keeps .terraform out of the configuration folder (fixtures, parallel runs). */
  dataDir?: string;
  /** Streams tofu's own output to the terminal (long operations show progress). */
  stream?: boolean;
  /** Variable files for init (backends may read variables), plan and destroy, in order. */
  varFiles?: string[];
  /** Environment overrides for tofu and its providers; an empty string hides an inherited value. */
  environment?: Record<string, string>;
  /** The folder messages name, when tofu runs in a temp copy of it (offline plans). */
  displayDir?: string;
}

/**
 * Reduces tofu's diagnostic to the cause a user needs: the first "Error:" summary and where it
 * points, instead of the whole transcript.
 */
export function summarizeDiagnostics(output: string): string {
  const plain = output.replace(/\x1b\[[0-9;]*m/g, "").replace(/[│╷╵├─]/g, "");
  const lines = plain.split("\n").map((line) => line.trim());
  const errorAt = lines.findIndex((line) => line.startsWith("Error:"));
  if (errorAt === -1) return tail(plain, 6);
  const after = lines.slice(errorAt + 1);
  const next = after.findIndex((line) => line.startsWith("Error:"));
  const body = next === -1 ? after : after.slice(0, next);
  const location = body.slice(0, 3).find((line) => /^on .+ line \d+/.test(line));
  // The value that was refused (var.x is "y") and the message: what the user acts on.
  const details = body.filter((line) => line && !/^on .+ line \d+/.test(line) && !/^\d+:/.test(line) && !line.startsWith("This was checked by")).slice(0, 2);
  return [lines[errorAt], location, ...details].filter(Boolean).join(" — ");
}

/**
 * A protected resource (prevent_destroy) that a plan would destroy or replace stops the plan.
 * On DOKS the usual cause is a version below the running one after an automatic patch upgrade.
 */
function planFix(output: string): string {
  if (/lifecycle\.prevent_destroy/.test(output) && /digitalocean_kubernetes_cluster/.test(output)) {
    return "The plan would replace the DOKS cluster. If DigitalOcean upgraded it (auto_upgrade), set kubernetes_version to the running slug (`doctl kubernetes cluster get <name> --format Version`); otherwise undo the change that forces a new cluster.";
  }
  if (/lifecycle\.prevent_destroy/.test(output)) return "The plan would destroy a protected resource (backups, state, the DNS zone). Undo the change that removes or replaces it; a deliberate teardown removes prevent_destroy in a reviewed change first.";
  return "Fix the error above; variables can be checked with `tofu validate` in the environment folder.";
}

export class Tofu {
  constructor(private readonly options: TofuOptions) {}

  get dir(): string {
    return this.options.dir;
  }

  private env(): Record<string, string> {
    const variables = Object.fromEntries(Object.entries(this.options.variables ?? {}).map(([name, value]) => [`TF_VAR_${name}`, value]));
    const dataDir: Record<string, string> = this.options.dataDir ? { TF_DATA_DIR: this.options.dataDir } : {};
    return { ...this.options.environment, ...variables, ...dataDir, TF_CLI_CONFIG_FILE: this.options.toolchain.cliConfig, TF_IN_AUTOMATION: "1", TF_INPUT: "0", CHECKPOINT_DISABLE: "1" };
  }

  async run(args: string[], what: string, fix: string, extra: Options = {}) {
    try {
      return await execa(this.options.toolchain.tofu, args, {
        cwd: this.options.dir,
        env: this.env(),
        all: true,
        ...(this.options.stream ? { stdout: ["pipe", "inherit"], stderr: ["pipe", "inherit"] } : {}),
        ...extra,
      });
    } catch (error) {
      const output = String((error as { all?: string }).all ?? (error as Error).message);
      throw new PlatformError(`tofu ${what} failed in ${this.options.displayDir ?? this.options.dir}: ${summarizeDiagnostics(output)}`, fix, { cause: error });
    }
  }

  private varFileArgs(): string[] {
    return (this.options.varFiles ?? []).map((file) => `-var-file=${file}`);
  }

  async init(backendConfig: Record<string, string> = {}) {
    const backendArgs = Object.entries(backendConfig).map(([key, value]) => `-backend-config=${key}=${value}`);
    return this.run(["init", "-input=false", "-no-color", "-reconfigure", ...backendArgs, ...this.varFileArgs()], "init", "Fix the configuration error above; providers come from the local mirror (`make toolchain`).");
  }

  async validate() {
    return this.run(["validate", "-no-color"], "validate", "Fix the configuration error above.");
  }

  /** Returns true when the plan has changes (tofu's -detailed-exitcode 2). */
  async plan(planFile: string, extraArgs: string[] = []): Promise<boolean> {
    const result = await this.run(
      ["plan", "-input=false", "-no-color", "-detailed-exitcode", `-out=${planFile}`, ...this.varFileArgs(), ...extraArgs],
      "plan",
      "Fix the error above; variables can be checked with `tofu validate` in the environment folder.",
      { reject: false },
    );
    if (result.exitCode === 0 || result.exitCode === 2) return result.exitCode === 2;
    const output = String(result.all ?? "");
    throw new PlatformError(`tofu plan failed in ${this.options.displayDir ?? this.options.dir}: ${summarizeDiagnostics(output)}`, planFix(output));
  }

  async showJson(planFile: string): Promise<unknown> {
    const { stdout } = await this.run(["show", "-json", "-no-color", planFile], "show", "The saved plan could not be read; plan again.", { stdout: "pipe", all: false });
    return JSON.parse(String(stdout));
  }

  async apply(planFile: string) {
    return this.run(["apply", "-input=false", "-no-color", "-auto-approve", planFile], "apply", "Nothing after the failing resource was applied; fix the cause and plan again.");
  }

  async destroy() {
    return this.run(["destroy", "-input=false", "-no-color", "-auto-approve", ...this.varFileArgs()], "destroy", "Fix the cause above and run destroy again; state still lists what is left.");
  }

  /**
   * Forgets resources without destroying them: how a protected key (prevent_destroy) is
   * decommissioned on purpose. The (encrypted) backup of the state goes to `backup`, next to the
   * state, never into the configuration folder where tofu would put it by default.
   */
  async stateRemove(addresses: string[], backup: string) {
    return this.run(["state", "rm", "-no-color", `-backup=${backup}`, ...addresses], "state rm", "Check the addresses with `tofu state list`.");
  }

  async stateList(): Promise<string[]> {
    const { stdout } = await this.run(["state", "list", "-no-color"], "state list", "State could not be read.", { stdout: "pipe", all: false });
    return String(stdout).split("\n").filter(Boolean);
  }

  async test(extraArgs: string[] = []) {
    return this.run(["test", "-no-color", ...extraArgs], "test", "A tofu test failed: see the run named above.");
  }

  async output(): Promise<Record<string, { value: unknown; sensitive: boolean }>> {
    const { stdout } = await this.run(["output", "-json", "-no-color"], "output", "State could not be read.", { stdout: "pipe", all: false });
    return JSON.parse(String(stdout));
  }
}
