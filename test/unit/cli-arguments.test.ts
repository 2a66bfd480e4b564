import { describe, expect, it } from "vitest";
import { wholeNumberAboveZero } from "../../harness/commands/arguments.ts";
import { PlatformError } from "../../harness/errors.ts";

/** Durations the drills wait for: a value that is not plain digits above 0 never becomes a deadline. */
describe("wholeNumberAboveZero", () => {
  const minutes = wholeNumberAboveZero("--timeout", "minutes", 120);

  it.for(["1", "90", "120", "9007199254740991"])("takes %s", (value) => {
    expect(minutes(value)).toBe(Number(value));
  });

  it.for(["", " ", "abc", "2h", "90m", "0", "00", "090", "-5", "+5", "1.5", "1.0", "1e3", "0x10", "Infinity", "NaN", " 90", "90 ", "9007199254740993", "9".repeat(400)])("refuses %j, naming the option and the fix", (value) => {
    expect(() => minutes(value)).toThrow(PlatformError);
    expect(() => minutes(value)).toThrow(`--timeout ${JSON.stringify(value)} is not a whole number of minutes above 0`);
    expect(() => minutes(value)).toThrow(expect.objectContaining({ fix: "Pass the minutes as digits only, e.g. --timeout 120." }));
  });
});
