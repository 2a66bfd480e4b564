import { markdownTable } from "markdown-table";
import type { DnsMigration, ReportEntry } from "./dns.ts";
import type { VerifyResult } from "./dns-verify.ts";

function cell(text: string): string {
  const flat = text.replaceAll("|", "\\|").replaceAll("\n", " ");
  return flat.length > 90 ? `${flat.slice(0, 87)}...` : flat;
}

function table(header: string[], rows: string[][]): string {
  return rows.length === 0 ? "_none_" : markdownTable([header, ...rows.map((row) => row.map(cell))]);
}

const row = (entry: ReportEntry) => [entry.name, entry.type, entry.value, entry.reason, entry.line ? String(entry.line) : "-"];

/** For people: what moves, what does not and why, what to decide, and the order of the switch. */
export function renderDnsReport(migration: DnsMigration, verify?: VerifyResult): string {
  const sections = [
    `## DNS migration: \`${migration.domain}\``,
    `${migration.kept.length} records kept, ${migration.dropped.length} dropped, ${migration.decisions.length} need a decision, ${migration.externalDns.length} left to external-dns.`,
    "### Kept (written to the records file)",
    table(["Key", "Name", "Type", "Value", "Line"], migration.kept.map((entry) => [entry.key, entry.name, entry.type, entry.value, String(entry.line)])),
    "### Dropped",
    table(["Name", "Type", "Value", "Reason", "Line"], migration.dropped.map(row)),
    "### Needs a decision",
    table(["Name", "Type", "Value", "Why", "Line", "Written"], migration.decisions.map((entry) => [...row(entry), entry.written ? "yes" : "no"])),
    "### Owned by external-dns after the move",
    migration.externalDns.length === 0
      ? "_none_: no --ingress-host given, so OpenTofu keeps every A, AAAA and CNAME record. Name the Ingress hosts so OpenTofu and external-dns never manage the same name and type."
      : table(["Name", "Type", "Value", "Why", "Line"], migration.externalDns.map(row)),
    "### Cutover timeline",
    migration.timeline.join("\n"),
  ];
  if (verify) {
    sections.push(
      "### Verification",
      verify.differences.length === 0
        ? `${verify.compared} name/type pairs asked of nsd (old zone) and ${verify.against}: all answers equal.`
        : table(["Name", "Type", "Old answer", "New answer"], verify.differences.map((d) => [d.name, d.type, d.old, d.new])),
    );
  }
  return `${sections.join("\n\n")}\n`;
}
