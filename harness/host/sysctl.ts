import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Kernel settings by their /proc/sys path (kernel/panic), read and written on the host. */
export function readSysctl(name: string): string | undefined {
  try {
    return readFileSync(join("/proc/sys", name), "utf8").trim();
  } catch {
    return undefined;
  }
}

export function writeSysctl(name: string, value: string): boolean {
  try {
    writeFileSync(join("/proc/sys", name), `${value}\n`);
    return true;
  } catch {
    return false;
  }
}
