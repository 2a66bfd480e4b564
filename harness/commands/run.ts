import { CommanderError, type Command } from "commander";
import pc from "picocolors";
import { PlatformError } from "../errors.ts";

function fail(message: string, fix: string): never {
  process.stderr.write(`${pc.red("error:")} ${message}\n${pc.yellow("fix:")}   ${fix}\n`);
  process.exit(2);
}

/** Every command of the tree throws instead of exiting, and prints no error of its own. */
function quietly(command: Command): void {
  command.exitOverride().configureOutput({ outputError: () => undefined });
  for (const sub of command.commands) quietly(sub);
}

/**
 * Exit codes every entry point shares: 0 success, 1 the gate (or a test the command runs)
 * failed, 2 anything else. Broken input is a PlatformError (cause and fix); a usage error
 * (unknown option, missing argument) gets the same two lines; anything else is a bug, reported
 * in one line too, with its stack only when PLATFORM_DEBUG is set.
 */
export async function runCli(program: Command): Promise<void> {
  quietly(program);
  try {
    await program.parseAsync();
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end the program through here too, successfully.
      if (error.exitCode === 0) process.exit(0);
      fail(error.message.replace(/^error:\s*/, "").split("\n")[0]!, `See \`${program.name()} --help\` (and \`${program.name()} <command> --help\`) for the commands and options.`);
    }
    if (error instanceof PlatformError) fail(error.message, error.fix);
    if (process.env.PLATFORM_DEBUG) console.error(error);
    const message = error instanceof Error ? error.message.split("\n")[0] : String(error);
    fail(`unexpected: ${message}`, "This is a bug in the platform harness: rerun with PLATFORM_DEBUG=1 for the stack and report it.");
  }
}
