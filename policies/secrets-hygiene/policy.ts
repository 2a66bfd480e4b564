import type { SourceFile } from "../../harness/hcl.ts";
import { defineRule, type Violation } from "../../harness/policy/types.ts";

type Json = Record<string, unknown>;

// The secret word must be the name's last: db_password and adminPassword hold a secret;
// secret_name, password_file and secret_key_ref only point at one, and so does Helm's
// existingSecret.
const secretWord = /(^|[_.-])(password|passwd|secret|token|api_key|access_key|secret_key|passphrase|private_key)$/;
function holdsSecret(name: string): boolean {
  const snake = name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase();
  return secretWord.test(snake) && !/(^|[_.-])existing_/.test(snake);
}

const tokenShapes: Array<[RegExp, string]> = [
  [/dop_v1_[0-9a-f]{64}/, "a DigitalOcean API token"],
  [/AKIA[0-9A-Z]{16}/, "an AWS-style access key id (Spaces keys share the shape)"],
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, "a private key"],
];
const tokenShape = (value: string): string | undefined => tokenShapes.find(([pattern]) => pattern.test(value))?.[1];

// hcl2json renders every expression as "${...}"; "$${" is HCL's escape for a literal "${".
const isLiteral = (value: unknown): value is string => typeof value === "string" && value !== "" && !/(?<![$%])[$%]\{/.test(value);
/** A literal under a secret's name; token-shaped ones get the sharper finding instead. */
const plainSecret = (value: unknown): boolean => isLiteral(value) && !tokenShape(value);

const blocks = (value: unknown): Json[] => (Array.isArray(value) ? value : []).filter((item): item is Json => !!item && typeof item === "object");

interface Finding {
  path: string;
  message: string;
  fix: string;
}

const literalFix = "Read it from a sensitive variable (set through TF_VAR_* or the CI secret store) or generate it with random_password; in Kubernetes, reference a Secret with value_from.secret_key_ref.";

/**
 * Every attribute of a parsed HCL body, nested blocks and maps included. Blocks in a list are
 * told apart by their name (env, set) or position; a lone block adds nothing to the path.
 */
function* literalSecrets(value: unknown, path: string): Generator<Finding> {
  if (typeof value === "string") {
    const shape = tokenShape(value);
    if (shape) yield { path, message: `${path} holds a literal that looks like ${shape}`, fix: `Revoke the credential (it is in the repository's history now) and issue a new one. ${literalFix}` };
  } else if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const name = (item as Json | null)?.name;
      yield* literalSecrets(item, value.length === 1 ? path : typeof name === "string" ? `${path}[${name}]` : `${path}[${index}]`);
    }
  } else if (value && typeof value === "object") {
    const object = value as Json;
    // A name/value pair (a container's env, a helm_release set block) names its own secret.
    if (typeof object.name === "string" && holdsSecret(object.name) && plainSecret(object.value)) {
      yield { path, message: `${path} sets ${object.name} to a literal value`, fix: literalFix };
    }
    for (const [key, item] of Object.entries(object)) {
      const inner = path ? `${path}.${key}` : key;
      if (holdsSecret(key) && plainSecret(item)) yield { path: inner, message: `${inner} holds a literal value`, fix: literalFix };
      else yield* literalSecrets(item, inner);
    }
  }
}

function* variableFindings(file: SourceFile): Generator<Finding> {
  for (const [name, declarations] of Object.entries((file.body.variable ?? {}) as Json)) {
    if (!holdsSecret(name)) continue;
    for (const declaration of blocks(declarations)) {
      // The generic walk sees "default", not the secret word in the variable's name.
      if (plainSecret(declaration.default)) yield { path: `variable.${name}.default`, message: `variable.${name} has a literal default`, fix: "Remove the default and supply the value at plan time (TF_VAR_* from the CI secret store, or the harness for local runs)." };
      if (declaration.sensitive !== true) yield { path: `variable.${name}`, message: `variable.${name} holds a secret but is not declared sensitive`, fix: `Add sensitive = true to variable "${name}" so plans, outputs and reports never print it.` };
    }
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
    const violations: Violation[] = input.sources.flatMap((file) =>
      [...literalSecrets(file.body, ""), ...variableFindings(file)].map((finding) => ({ address: `${file.path}: ${finding.path}`, message: finding.message, fix: finding.fix })),
    );
    const root = input.sources.filter((file) => !file.inModule);
    if (input.environment !== "local" && root.length > 0) violations.push(...encryptionFindings(root));
    return violations;
  },
});
