import { parse as parseYaml } from "yaml";
import { isExpression, lineOf, literalPairsOf, literalsOf, referencedLiterals, type SourceFile } from "../../harness/hcl.ts";
import { defineRule, type Violation } from "../../harness/policy/types.ts";

type Json = Record<string, unknown>;

// The secret word must be the name's last: db_password and adminPassword hold a secret;
// secret_name, password_file and secret_key_ref only point at one, and so does Helm's
// existingSecret.
const secretWord = /(^|[_.-])(password|passwd|pass|pwd|secret|token|api_key|apikey|access_key|secret_key|passphrase|private_key|credentials?|client_secret|auth_key|encryption_key|signing_key|dsn)$/;
function holdsSecret(name: string): boolean {
  const snake = name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase();
  // A bare "secret" key names a Kubernetes Secret (volume secret, env from a secret), not a value.
  return secretWord.test(snake) && snake !== "secret" && !/(^|[_.-])existing_/.test(snake);
}

const tokenShapes: Array<[RegExp, string]> = [
  [/dop_v1_[0-9a-f]{64}/, "a DigitalOcean API token"],
  [/AKIA[0-9A-Z]{16}/, "an AWS-style access key id (Spaces keys share the shape)"],
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, "a private key"],
];
const tokenShape = (value: string): string | undefined => tokenShapes.find(([pattern]) => pattern.test(value))?.[1];

/**
 * The literal a secret-named setting holds, wherever it is written: the value itself, a quoted
 * string inside an expression (coalesce(var.x, "hunter2"), "${"hunter2"}"), or a local, variable
 * default or tfvars value the expression refers to. References to other resources, random
 * passwords and sensitive variables without defaults hold none.
 */
function heldLiteral(value: unknown, scope: SourceFile[]): { literal: string; via?: string } | undefined {
  if (typeof value !== "string" || value === "") return undefined;
  if (!isExpression(value)) return tokenShape(value) ? undefined : { literal: value };
  // Only literal text that is the value (not a function name, a format or a separator) counts.
  const inside = literalsOf(value).filter((text) => text.trim().length >= 4);
  if (inside[0]) return { literal: inside[0] };
  const referenced = referencedLiterals(value, scope).find((found) => found.literal.trim().length >= 4);
  return referenced ? { literal: referenced.literal, via: referenced.via } : undefined;
}

const blocks = (value: unknown): Json[] => (Array.isArray(value) ? value : []).filter((item): item is Json => !!item && typeof item === "object");

interface Finding {
  path: string;
  message: string;
  fix: string;
  /** Text to look for in the file to give the finding its line. */
  needle?: string;
}

const literalFix = "Read it from a sensitive variable (set through TF_VAR_* or the CI secret store) or generate it with random_password; in Kubernetes, reference a Secret with value_from.secret_key_ref.";

/**
 * Every attribute of a parsed HCL body, nested blocks and maps included. Blocks in a list are
 * told apart by their name (env, set) or position; a lone block adds nothing to the path.
 */
function* literalSecrets(value: unknown, path: string, scope: SourceFile[]): Generator<Finding> {
  if (typeof value === "string") {
    const shape = tokenShape(value);
    if (shape) yield { path, message: `${path} holds a literal that looks like ${shape}`, fix: `Revoke the credential (it is in the repository's history now) and issue a new one. ${literalFix}`, needle: value.match(tokenShapes.find(([pattern]) => pattern.test(value))![0])![0] };
    else if (isExpression(value)) {
      // yamlencode({ password = "x" }), merge({ api_token = "x" }, ...): a name and its literal inside an expression.
      for (const pair of literalPairsOf(value).filter((p) => holdsSecret(p.key))) yield { path: `${path}.${pair.key}`, message: `${path} sets ${pair.key} to a literal value inside an expression`, fix: literalFix, needle: pair.key };
    } else if (/\n/.test(value) && /:\s/.test(value)) {
      // A YAML document (a heredoc of Helm values): its keys name secrets too.
      let parsed: unknown;
      try {
        parsed = parseYaml(value);
      } catch {
        parsed = undefined;
      }
      for (const found of yamlSecrets(parsed, [])) yield { path: `${path}: ${found}`, message: `${path} sets ${found} to a literal value in YAML`, fix: literalFix, needle: found.split(".").at(-1)! };
    }
  } else if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const name = (item as Json | null)?.name;
      yield* literalSecrets(item, value.length === 1 ? path : typeof name === "string" ? `${path}[${name}]` : `${path}[${index}]`, scope);
    }
  } else if (value && typeof value === "object") {
    const object = value as Json;
    // A name/value pair (a container's env, a helm_release set block) names its own secret;
    // everything under set_sensitive is a secret by declaration.
    if (typeof object.name === "string" && (holdsSecret(object.name) || /(^|\.)set_sensitive(\[|$)/.test(path))) {
      const held = heldLiteral(object.value, scope);
      if (held) yield { path, message: `${path} sets ${object.name} to a literal value${held.via ? ` (through ${held.via})` : ""}`, fix: literalFix, needle: object.name };
    }
    for (const [key, item] of Object.entries(object)) {
      const inner = path ? `${path}.${key}` : key;
      const held = holdsSecret(key) ? heldLiteral(item, scope) : undefined;
      if (held) yield { path: inner, message: `${inner} holds a literal value${held.via ? ` (through ${held.via})` : ""}`, fix: literalFix, needle: key };
      else yield* literalSecrets(item, inner, scope);
    }
  }
}

function* yamlSecrets(value: unknown, path: string[]): Generator<string> {
  if (Array.isArray(value)) for (const [index, item] of value.entries()) yield* yamlSecrets(item, [...path, String(index)]);
  else if (value && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) {
      if (holdsSecret(key) && (typeof item === "string" || typeof item === "number") && String(item) !== "" && !String(item).startsWith("${")) yield [...path, key].join(".");
      else yield* yamlSecrets(item, [...path, key]);
    }
  }
}

function* variableFindings(file: SourceFile): Generator<Finding> {
  for (const [name, declarations] of Object.entries((file.body.variable ?? {}) as Json)) {
    if (!holdsSecret(name)) continue;
    for (const declaration of blocks(declarations)) {
      // The generic walk sees "default", not the secret word in the variable's name.
      if (heldLiteral(declaration.default, [])) yield { path: `variable.${name}.default`, message: `variable.${name} has a literal default`, fix: "Remove the default and supply the value at plan time (TF_VAR_* from the CI secret store, or the harness for local runs).", needle: `variable "${name}"` };
      if (declaration.sensitive !== true) yield { path: `variable.${name}`, message: `variable.${name} holds a secret but is not declared sensitive`, fix: `Add sensitive = true to variable "${name}" so plans, outputs and reports never print it.`, needle: `variable "${name}"` };
    }
  }
}

/** The header of the block a finding's path starts in, so its line is looked for inside that block. */
function blockHeader(path: string): string | undefined {
  const [kind, type, name] = path.split(/[.[]/);
  if ((kind === "resource" || kind === "data") && type && name) return `"${type}" "${name}"`;
  if ((kind === "variable" || kind === "module" || kind === "provider" || kind === "output") && type) return `${kind} "${type}"`;
  if (kind === "locals" || kind === "terraform") return kind;
  return undefined;
}

/** A tfvars file sets root variables: a secret-named one, or a token-shaped value, is a literal secret. */
function* tfvarsSecrets(file: SourceFile): Generator<Finding> {
  for (const [name, value] of Object.entries(file.body)) {
    if (holdsSecret(name) && heldLiteral(value, [])) yield { path: name, message: `${file.path} sets ${name} to a literal value`, fix: "Delete it from the file and pass it at plan time (TF_VAR_* from the CI secret store); variable files are committed.", needle: name };
    else yield* literalSecrets(value, name, []);
  }
}

const enforced = (encryption: Json[], target: "state" | "plan"): boolean => encryption.some((block) => blocks(block[target]).some((inner) => inner.enforced === true));

/** Outside the local environment the root configuration must refuse plaintext state and plans. */
function encryptionFindings(root: SourceFile[]): Violation[] {
  const declared = root.flatMap((file) => blocks(file.body.terraform).flatMap((terraform) => blocks(terraform.encryption)).map((encryption) => ({ file, encryption })));
  const fix = "In the environment's terraform block add encryption { key_provider \"pbkdf2\" with passphrase = var.state_passphrase (sensitive), method \"aes_gcm\", state { method = ..., enforced = true } and plan { method = ..., enforced = true } }.";
  if (declared.length === 0) {
    const file = root.find((candidate) => candidate.body.terraform) ?? root[0]!;
    return [{ address: `${file.path}: terraform.encryption`, message: "the root configuration has no terraform { encryption } block: state and plan files are written in plaintext", fix }];
  }
  return (["state", "plan"] as const)
    .filter((target) => !enforced(declared.map((entry) => entry.encryption), target))
    .map((target) => ({ address: `${declared[0]!.file.path}: terraform.encryption.${target}`, message: `terraform.encryption does not enforce ${target} encryption (${target} { enforced = true })`, fix }));
}

export default defineRule({
  id: "secrets-hygiene",
  title: "No secrets in code, secret variables sensitive, state and plans encrypted",
  severity: "error",
  evaluate(input) {
    // Every file in the repository is judged, shadowed .tf twins and tfvars included: a secret
    // in git is a leak whether or not tofu reads the file. References resolve within the
    // file's own configuration folder (its locals, variable defaults and the root's tfvars).
    const violations: Violation[] = input.sources.flatMap((file) => {
      const scope = input.sources.filter((other) => other.dir === file.dir);
      const findings = file.role === "variables" ? [...tfvarsSecrets(file)] : [...literalSecrets(file.body, "", scope), ...variableFindings(file)];
      return findings.map((finding) => ({ address: `${file.path}: ${finding.path}`, path: `${file.path}:${lineOf(file, finding.needle ?? finding.path.split(".").at(-1) ?? "", blockHeader(finding.path))}`, message: finding.message, fix: finding.fix }));
    });
    const root = input.sources.filter((file) => !file.inModule);
    if (input.environment !== "local" && root.length > 0) violations.push(...encryptionFindings(root));
    return violations;
  },
});
