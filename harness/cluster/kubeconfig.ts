import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { z } from "zod";
import { PlatformError } from "../errors.ts";

const b64 = (text: string) => Buffer.from(text).toString("base64");

export function renderKubeconfig(options: { name: string; server: string; caCert: string; clientCert: string; clientKey: string }): string {
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: options.name, cluster: { server: options.server, "certificate-authority-data": b64(options.caCert) } }],
    users: [{ name: options.name, user: { "client-certificate-data": b64(options.clientCert), "client-key-data": b64(options.clientKey) } }],
    contexts: [{ name: options.name, context: { cluster: options.name, user: options.name } }],
    "current-context": options.name,
  });
}

const kubeconfigSchema = z.object({
  contexts: z.array(z.object({ name: z.string() })).default([]),
  "current-context": z.string().optional(),
});

/** The kubeconfig kubectl would use: the first file of $KUBECONFIG, else ~/.kube/config. */
export function defaultKubeconfigPath(): string {
  return process.env.KUBECONFIG?.split(":")[0] || join(homedir(), ".kube", "config");
}

/** Fails early, naming the contexts that do exist, rather than letting tofu dial nowhere. */
export function requireContext(path: string, context: string): void {
  if (!existsSync(path)) {
    throw new PlatformError(`kubeconfig ${path} does not exist (asked for context "${context}")`, "Set KUBECONFIG to your kubeconfig file, or omit CONTEXT to use the local control plane.");
  }
  const config = kubeconfigSchema.parse(parse(readFileSync(path, "utf8")) ?? {});
  const names = config.contexts.map((entry) => entry.name);
  if (!names.includes(context)) {
    throw new PlatformError(`context "${context}" is not in ${path}`, names.length ? `Use one of: ${names.join(", ")}.` : "The file has no contexts; create one with your cluster's CLI.");
  }
}
