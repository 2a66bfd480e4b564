import { readdirSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import { parse } from "@cdktf/hcl2json";
import { PlatformError } from "./errors.ts";
import { repoRoot } from "./paths.ts";

/**
 * One parsed OpenTofu source file: what source rules (literals, sensitivity, encryption) read.
 * Every form tofu reads is here: .tf and .tofu, their JSON forms (.tf.json, .tofu.json), and
 * variable files (*.tfvars, *.auto.tfvars and their .json forms).
 */
export interface SourceFile {
  /** Path relative to the repository (or absolute, outside it). */
  path: string;
  /** True for files of a called module; false for the root configuration itself. */
  inModule: boolean;
  /** Parsed body. JSON files are brought to hcl2json's shape (blocks as lists) down to the block labels. */
  body: Record<string, unknown>;
  /** The file's text, to find the line of a finding (see lineOf). */
  text?: string;
  /** "variables" for *.tfvars(.json): values for the root module's variables, not configuration. */
  role?: "configuration" | "variables";
  /**
   * A .tf (.tf.json) file that a .tofu (.tofu.json) file of the same name overrides: tofu does
   * not read it, but it is still in the repository (a secret in it is still a leak).
   */
  shadowed?: boolean;
  /** The configuration folder the file belongs to, as path is shown. */
  dir?: string;
}

const configurationForms = [".tofu.json", ".tf.json", ".tofu", ".tf"];
const variableForms = [".tfvars.json", ".tfvars"];

/** Whether a file of this name in a configuration folder is one the harness (and tofu) reads. */
export function isSourceFileName(name: string): boolean {
  return [...configurationForms, ...variableForms].some((form) => name.endsWith(form));
}

/** The source files of one configuration folder, each with whether a .tofu twin shadows it. */
type Listed = { file: string; role: "configuration" | "variables"; shadowed: boolean };
function sourceFiles(dir: string): Listed[] {
  const names = readdirSync(dir, { withFileTypes: true }).filter((entry) => entry.isFile()).map((entry) => entry.name);
  const present = new Set(names);
  return names
    .flatMap((name): Listed[] => {
      if (variableForms.some((form) => name.endsWith(form))) return [{ file: join(dir, name), role: "variables" as const, shadowed: false }];
      const form = configurationForms.find((candidate) => name.endsWith(candidate));
      if (!form) return [];
      const twin = form === ".tf" ? name.replace(/\.tf$/, ".tofu") : form === ".tf.json" ? name.replace(/\.tf\.json$/, ".tofu.json") : undefined;
      return [{ file: join(dir, name), role: "configuration" as const, shadowed: twin !== undefined && present.has(twin) }];
    })
    .sort((a, b) => a.file.localeCompare(b.file));
}

function localModuleDirs(dir: string, body: Record<string, unknown>): string[] {
  const calls = (body.module ?? {}) as Record<string, Array<{ source?: string }>>;
  return Object.values(calls)
    .flat()
    .map((call) => call?.source)
    .filter((source): source is string => typeof source === "string" && (source.startsWith("./") || source.startsWith("../")))
    .map((source) => resolve(dir, source));
}

/** Repository-relative inside the repo, absolute outside it. */
function displayPath(file: string): string {
  const shown = relative(repoRoot, file);
  return shown.startsWith("..") ? file : shown;
}

// Top-level block types of the JSON syntax and how many labels each has before its body.
const jsonBlockLabels: Record<string, number> = { resource: 2, data: 2, ephemeral: 2, module: 1, variable: 1, output: 1, provider: 1, check: 1, locals: 0, terraform: 0, moved: 0, import: 0, removed: 0 };

/** JSON syntax writes a block as an object under its labels; hcl2json writes a list of bodies. */
function normalizeJson(value: Record<string, unknown>): Record<string, unknown> {
  const asList = (item: unknown) => (Array.isArray(item) ? item : [item]);
  const underLabels = (item: unknown, labels: number): unknown => {
    if (labels === 0) return asList(item);
    if (!item || typeof item !== "object" || Array.isArray(item)) return item;
    return Object.fromEntries(Object.entries(item).map(([key, inner]) => [key, underLabels(inner, labels - 1)]));
  };
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, key in jsonBlockLabels ? underLabels(item, jsonBlockLabels[key]!) : item]));
}

async function parseFile(file: string, text: string): Promise<Record<string, unknown>> {
  if (file.endsWith(".json")) {
    try {
      const parsed = JSON.parse(text) as unknown;
      if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("the top level must be an object");
      return file.endsWith(".tfvars.json") ? (parsed as Record<string, unknown>) : normalizeJson(parsed as Record<string, unknown>);
    } catch (error) {
      throw new PlatformError(`syntax error in ${displayPath(file)}: ${(error as Error).message}`, "Fix the JSON; `tofu validate` in the configuration folder shows the same error.", { cause: error });
    }
  }
  try {
    return (await parse(file, text)) as Record<string, unknown>;
  } catch (error) {
    // hcl2json reports "parse config: [FILE:LINE,COL-COL: Summary; Detail]".
    const message = String((error as Error).message ?? error);
    const located = message.match(/\[(.+?):(\d+),[\d-]+: ([^;\]]+)/);
    const where = located ? `${displayPath(located[1]!)} line ${located[2]}` : displayPath(file);
    throw new PlatformError(`syntax error in ${where}: ${located ? located[3] : message}`, "Fix the HCL at that line; `tofu validate` in the configuration folder shows the same error.", { cause: error });
  }
}

/**
 * The root configuration's files and those of every local module it calls, each parsed once,
 * in every source form tofu reads.
 */
export async function loadSources(rootDir: string): Promise<SourceFile[]> {
  const seen = new Set<string>();
  const files: SourceFile[] = [];
  const visit = async (dir: string, inModule: boolean) => {
    if (seen.has(dir)) return;
    seen.add(dir);
    for (const { file, role, shadowed } of sourceFiles(dir)) {
      // Variable files of a called module are never read by tofu; only the root's are.
      if (role === "variables" && inModule) continue;
      const text = await readFile(file, "utf8");
      const body = await parseFile(file, text);
      files.push({ path: displayPath(file), inModule, body, text, role, ...(shadowed ? { shadowed } : {}), dir: displayPath(dir) });
      if (role === "configuration" && !shadowed) for (const moduleDir of localModuleDirs(dir, body)) await visit(moduleDir, true);
    }
  };
  await visit(resolve(rootDir), false);
  return files;
}

/**
 * The 1-based line of the first occurrence of `needle` in the file at or after the line where
 * `after` occurs (a block header, say), or of `after` itself; 1 when neither is found.
 */
export function lineOf(file: Pick<SourceFile, "text">, needle: string, after?: string): number {
  const text = file.text ?? "";
  const from = after ? Math.max(0, text.indexOf(after)) : 0;
  let at = needle ? text.indexOf(needle, from) : -1;
  if (at === -1 && needle) at = text.indexOf(needle);
  if (at === -1) at = after ? text.indexOf(after) : -1;
  return at === -1 ? 1 : text.slice(0, at).split("\n").length;
}

/** file:line of a needle in a source file, as findings of source rules carry it. */
export const located = (file: SourceFile, needle: string, after?: string) => `${file.path}:${lineOf(file, needle, after)}`;

/**
 * The literal text of an hcl2json string. Expressions come through as "${...}" (or "%{...}"),
 * where references are not literals but quoted strings inside them are, so
 * `coalesce(var.x, "hunter2")` yields "hunter2" and `"${var.name}.example.com"` yields ".example.com".
 */
export function literalsOf(text: string): string[] {
  return literalTexts(text).literals;
}

function literalTexts(text: string, start = 0, quoted = false): { literals: string[]; end: number } {
  const literals: string[] = [];
  let current = "";
  let i = start;
  while (i < text.length && !(quoted && text[i] === '"')) {
    const char = text[i]!;
    if (quoted && char === "\\") {
      current += text[i + 1] === "n" ? "\n" : (text[i + 1] ?? "");
      i += 2;
    } else if ((char === "$" || char === "%") && text[i + 1] === char && text[i + 2] === "{") {
      current += `${char}{`; // "$${" is HCL's escape for a literal "${"
      i += 3;
    } else if ((char === "$" || char === "%") && text[i + 1] === "{") {
      literals.push(current);
      current = "";
      const inner = expressionLiterals(text, i + 2);
      literals.push(...inner.literals);
      i = inner.end;
    } else {
      current += char;
      i++;
    }
  }
  literals.push(current);
  return { literals: literals.filter(Boolean), end: i + 1 };
}

function expressionLiterals(text: string, start: number): { literals: string[]; end: number } {
  const literals: string[] = [];
  let depth = 0;
  let i = start;
  while (i < text.length) {
    const char = text[i]!;
    if (char === '"') {
      const inner = literalTexts(text, i + 1, true);
      // An index key (`random_password.app["smtp"].result`) names an element; it holds no value.
      const indexKey = /\[\s*$/.test(text.slice(start, i)) && /^\s*\]/.test(text.slice(inner.end));
      if (!indexKey) literals.push(...inner.literals);
      i = inner.end;
      continue;
    }
    if (char === "<" && text.startsWith("<<", i)) {
      // A heredoc inside an expression: its lines up to the closing marker are literal text.
      const marker = text.slice(i).match(/^<<-?(\w+)\n/);
      if (marker) {
        const bodyStart = i + marker[0].length;
        const close = text.slice(bodyStart).search(new RegExp(`^\\s*${marker[1]}\\s*$`, "m"));
        const bodyEnd = close === -1 ? text.length : bodyStart + close;
        literals.push(...literalTexts(text.slice(bodyStart, bodyEnd)).literals);
        i = bodyEnd + (close === -1 ? 0 : text.slice(bodyEnd).indexOf(marker[1]!) + marker[1]!.length);
        continue;
      }
    }
    if (char === "{") depth++;
    else if (char === "}" && depth-- === 0) return { literals, end: i + 1 };
    i++;
  }
  return { literals, end: i };
}

/** Whether a parsed string is an expression (holds "${" or "%{" that is not an escape). */
export const isExpression = (value: string): boolean => /(?<![$%])[$%]\{/.test(value);

/**
 * `key = "literal"` pairs written inside an expression (object constructors passed to
 * yamlencode/jsonencode/merge, say), so a secret's name next to its literal is seen there too.
 */
export function literalPairsOf(text: string): Array<{ key: string; value: string }> {
  if (!isExpression(text)) return [];
  return [...text.matchAll(/(?:^|[{,\s(])"?([A-Za-z_][\w.-]*)"?\s*[=:]\s*"((?:[^"\\$]|\\.|\$(?!\{))*)"/g)].map((m) => ({ key: m[1]!, value: m[2]! })).filter((pair) => pair.value !== "");
}

/**
 * Literal values reachable from an expression through `local.x` and `var.x` references of the
 * same configuration folder: a local's literals, a variable's default, a root tfvars value. A
 * secret moved into a local or a default is still a literal in the repository.
 */
export function referencedLiterals(expression: string, scope: SourceFile[], seen = new Set<string>()): Array<{ literal: string; via: string; file: SourceFile }> {
  const found: Array<{ literal: string; via: string; file: SourceFile }> = [];
  for (const [, kind, name] of expression.matchAll(/\b(local|var)\.([A-Za-z_][\w-]*)/g)) {
    const key = `${kind}.${name}`;
    if (seen.has(key)) continue;
    seen.add(key);
    for (const file of scope) {
      const values: unknown[] = [];
      if (kind === "local") for (const locals of (Array.isArray(file.body.locals) ? file.body.locals : []) as Array<Record<string, unknown>>) values.push(locals?.[name!]);
      if (kind === "var" && file.role === "variables") values.push(file.body[name!]);
      if (kind === "var" && file.role !== "variables") {
        for (const declaration of (((file.body.variable ?? {}) as Record<string, unknown>)[name!] ?? []) as Array<Record<string, unknown>>) values.push(declaration?.default);
      }
      for (const value of values) {
        for (const text of stringsIn(value)) {
          const literals = isExpression(text) ? literalsOf(text) : [text];
          found.push(...literals.map((literal) => ({ literal, via: key, file })));
          if (isExpression(text)) found.push(...referencedLiterals(text, scope, seen));
        }
      }
    }
  }
  return found;
}

function stringsIn(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(stringsIn);
  if (value && typeof value === "object") return Object.values(value).flatMap(stringsIn);
  return [];
}

/** Provider source addresses (namespace/type) that the files require, e.g. hashicorp/kubernetes. */
export function requiredProviderSources(files: SourceFile[]): string[] {
  const sources = new Set<string>();
  for (const file of files.filter((candidate) => candidate.role !== "variables" && !candidate.shadowed)) {
    for (const block of (file.body.terraform ?? []) as Array<{ required_providers?: Array<Record<string, { source?: string }>> }>) {
      for (const providers of block.required_providers ?? []) {
        for (const requirement of Object.values(providers)) if (requirement.source) sources.add(requirement.source.split("/").slice(-2).join("/").toLowerCase());
      }
    }
  }
  return [...sources].sort();
}
