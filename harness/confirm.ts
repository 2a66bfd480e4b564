import { createInterface } from "node:readline/promises";
import pc from "picocolors";
import { PlatformError } from "./errors.ts";

/**
 * Asks the operator to type `expected` before something irreversible. Without a terminal there
 * is nobody to ask: that is a refusal, and the flag that skips the question is named.
 */
export async function confirmByTyping(question: string, expected: string, action: string, skipFlag: string): Promise<void> {
  if (!process.stdin.isTTY) throw new PlatformError(`${action} needs confirmation`, `Run it in a terminal to confirm, or pass ${skipFlag} if you mean it.`);
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  const answer = await prompt.question(pc.yellow(`${question} Type "${expected}" to go on: `));
  prompt.close();
  if (answer.trim() !== expected) throw new PlatformError(`${action} cancelled`, "This step changed nothing; run it again to be asked again.");
}
