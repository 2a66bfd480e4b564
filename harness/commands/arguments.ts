import { PlatformError } from "../errors.ts";

/**
 * Commander parser for a count of minutes or seconds. Digits only, above 0: Number("2h") is
 * NaN, and a deadline of Date.now() + NaN is never reached, so a typo would wait forever.
 */
export function wholeNumberAboveZero(option: string, unit: string, example: number): (value: string) => number {
  return (value) => {
    const parsed = /^[1-9][0-9]*$/.test(value) ? Number(value) : Number.NaN;
    if (!Number.isSafeInteger(parsed)) throw new PlatformError(`${option} ${JSON.stringify(value)} is not a whole number of ${unit} above 0`, `Pass the ${unit} as digits only, e.g. ${option} ${example}.`);
    return parsed;
  };
}
