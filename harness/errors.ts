/**
 * An error the user can act on: what went wrong and how to fix it. The CLI prints these as
 * two short lines instead of a stack trace; anything else is a bug and keeps its stack.
 */
export class PlatformError extends Error {
  constructor(
    message: string,
    readonly fix: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "PlatformError";
  }
}

/** Last few lines of a tool's output: enough to show the cause without flooding the terminal. */
export function tail(text: string | undefined, lines = 12): string {
  if (!text) return "";
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}
