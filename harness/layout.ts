import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { z } from "zod";
import { PlatformError } from "./errors.ts";
import { repoRoot } from "./paths.ts";

/** PLATFORM_ENVIRONMENTS_DIR relocates environments/ (tests plan edited copies of the tree). */
export const environmentsDir = process.env.PLATFORM_ENVIRONMENTS_DIR ?? join(repoRoot, "environments");

/**
 * An environment is a folder under environments/ that is either one root configuration
 * (main.tf: local, planned against a Kubernetes API the harness provides) or several, each with
 * its own state, listed in stacks.yaml (production: the cluster, then the platform on it).
 */
export const stacksFileName = "stacks.yaml";

const stackSchema = z.object({
  name: z.string().regex(/^[a-z][a-z0-9-]*$/, "a stack name is a folder name: lower-case letters, digits and dashes"),
  description: z.string().min(1),
  /** Plans with a dummy token and no network (it has no data sources). */
  offline: z.boolean(),
  /** What an online-only stack reads from the live platform, for the reports. */
  needs: z.string().min(1).optional(),
  /** An address in an earlier stack that must exist before this stack can be planned. */
  after: z.string().min(1).optional(),
});

const stacksFileSchema = z.object({
  stacks: z.array(stackSchema).min(1),
  /** The stack that creates the state bucket, and that bucket's address in it (`platform bootstrap`). */
  bootstrap: z.object({ stack: z.string(), target: z.string().min(1) }).optional(),
  credentials: z.array(z.object({ variable: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), purpose: z.string().min(1) })).default([]),
});

export type StackSpec = z.infer<typeof stackSchema> & { dir: string };
export interface Credential {
  variable: string;
  purpose: string;
}

export interface EnvironmentLayout {
  name: string;
  dir: string;
  /** Root configurations in planning order; a single-root environment has one, named after it. */
  stacks: StackSpec[];
  /** True when stacks.yaml lists them (each stack is a sub-folder with its own state). */
  stacked: boolean;
  credentials: Credential[];
  bootstrap?: { stack: StackSpec; target: string };
}

export function listEnvironments(): string[] {
  return readdirSync(environmentsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && (existsSync(join(environmentsDir, entry.name, "main.tf")) || existsSync(join(environmentsDir, entry.name, stacksFileName))))
    .map((entry) => entry.name)
    .sort();
}

export function environmentDir(name: string): string {
  const known = listEnvironments();
  if (!known.includes(name)) {
    throw new PlatformError(`unknown environment "${name}"`, `Use one of: ${known.join(", ")} (folders under environments/).`);
  }
  return join(environmentsDir, name);
}

export function environmentLayout(name: string): EnvironmentLayout {
  const dir = environmentDir(name);
  const file = join(dir, stacksFileName);
  if (!existsSync(file)) {
    return { name, dir, stacked: false, credentials: [], stacks: [{ name, dir, description: `environments/${name}`, offline: true }] };
  }
  const parsed = stacksFileSchema.safeParse(parse(readFileSync(file, "utf8")) ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new PlatformError(`environments/${name}/${stacksFileName}: ${issue.path.join(".")}: ${issue.message}`, "Each stack needs name, description and offline (true when it plans without the live API).");
  }
  const stacks = parsed.data.stacks.map((stack) => ({ ...stack, dir: join(dir, stack.name) }));
  const missing = stacks.find((stack) => !existsSync(join(stack.dir, "main.tf")));
  if (missing) {
    throw new PlatformError(`environments/${name}/${stacksFileName} lists stack "${missing.name}", but environments/${name}/${missing.name}/main.tf does not exist`, `Create the stack's folder or remove it from ${stacksFileName}.`);
  }
  const bootstrap = parsed.data.bootstrap;
  const bootstrapStack = bootstrap && stacks.find((stack) => stack.name === bootstrap.stack);
  if (bootstrap && !bootstrapStack) throw new PlatformError(`environments/${name}/${stacksFileName}: bootstrap.stack "${bootstrap.stack}" is not one of its stacks`, "Name the stack that declares the state bucket.");
  return { name, dir, stacked: true, stacks, credentials: parsed.data.credentials, ...(bootstrapStack ? { bootstrap: { stack: bootstrapStack, target: bootstrap!.target } } : {}) };
}
