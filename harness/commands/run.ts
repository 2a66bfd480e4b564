import type { Command } from "commander";
import pc from "picocolors";
import { PlatformError } from "../errors.ts";

/**
 * Exit codes every entry point shares: 0 success, 1 the gate (or a test the command runs)
 * failed, 2 anything else. Broken input is a PlatformError (cause and fix); anything else is a
 * bug, reported in one line too, with its stack only when PLATFORM_DEBUG is set.
 */
export async function runCli(program: Command): Promise<void> {
  try {
    await program.parseAsync();
  } catch (error) {
    if (error instanceof PlatformError) {
      process.stderr.write(`${pc.red("error:")} ${error.message}\n${pc.yellow("fix:")}   ${error.fix}\n`);
    } else {
      const message = error instanceof Error ? error.message.split("\n")[0] : String(error);
      process.stderr.write(`${pc.red("error:")} unexpected: ${message}\n${pc.yellow("fix:")}   This is a bug in the platform harness: rerun with PLATFORM_DEBUG=1 for the stack and report it.\n`);
      if (process.env.PLATFORM_DEBUG) console.error(error);
    }
    process.exit(2);
  }
}
