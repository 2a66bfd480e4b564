/**
 * Whether a Kubernetes CronJob schedule ever fires. Kubernetes parses schedules with the
 * standard five fields (robfig/cron): when day-of-month and day-of-week are both restricted a
 * day matches either, otherwise both must match. A schedule that names only days a month never
 * has (February 30th, April 31st) is valid and never runs.
 */
const macros: Record<string, string> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};
const monthNames = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const dayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
// The longest each month can be (February in a leap year).
const monthDays = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

interface Field {
  values: Set<number>;
  star: boolean;
}

function parseField(text: string, min: number, max: number, names: string[] = [], offset = min): Field | undefined {
  const values = new Set<number>();
  const value = (word: string) => {
    const index = names.indexOf(word.toLowerCase());
    return index >= 0 ? index + offset : /^\d+$/.test(word) ? Number(word) : Number.NaN;
  };
  for (const part of text.split(",")) {
    const [range, stepText] = part.split("/");
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!range || !Number.isInteger(step) || step < 1) return undefined;
    let low: number;
    let high: number;
    if (range === "*" || range === "?") [low, high] = [min, max];
    else if (range.includes("-")) [low, high] = range.split("-").map(value) as [number, number];
    else [low, high] = [value(range), stepText === undefined ? value(range) : max];
    if (!Number.isInteger(low) || !Number.isInteger(high) || low < min || high > max || low > high) return undefined;
    for (let v = low; v <= high; v += step) values.add(v);
  }
  return { values, star: text === "*" || text === "?" };
}

export type ScheduleVerdict = { fires: true } | { fires: false; reason: string };

export function scheduleFires(schedule: string): ScheduleVerdict {
  let text = schedule.trim().replace(/^(CRON_)?TZ=\S+\s+/, "");
  if (text.startsWith("@every ")) return /^@every\s+\d+(ns|us|µs|ms|s|m|h)(\d+(ns|us|µs|ms|s|m|h))*$/.test(text) ? { fires: true } : { fires: false, reason: `"${schedule}" is not a valid interval` };
  text = macros[text.toLowerCase()] ?? text;
  const fields = text.split(/\s+/);
  if (fields.length !== 5) return { fires: false, reason: `"${schedule}" does not have the five fields minute hour day-of-month month day-of-week` };
  const [minute, hour, dom, month, dow] = [parseField(fields[0]!, 0, 59), parseField(fields[1]!, 0, 23), parseField(fields[2]!, 1, 31), parseField(fields[3]!, 1, 12, monthNames, 1), parseField(fields[4]!, 0, 7, dayNames, 0)];
  if (!minute || !hour || !dom || !month || !dow) return { fires: false, reason: `"${schedule}" is not a valid cron schedule` };
  // Both restricted: either matches, and some weekday always comes round.
  if (!dom.star && !dow.star) return { fires: true };
  if (!dom.star) {
    const possible = [...month.values].some((m) => [...dom.values].some((d) => d <= monthDays[m - 1]!));
    if (!possible) return { fires: false, reason: `"${schedule}" names only days its months never have` };
  }
  return { fires: true };
}
