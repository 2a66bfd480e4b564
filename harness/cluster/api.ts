import { request } from "node:https";
import { request as plainRequest } from "node:http";
import { ApiException, BatchV1Api, KubeConfig } from "@kubernetes/client-node";
import { PlatformError } from "../errors.ts";
import type { Cluster } from "./types.ts";

/** What reaching the API needs: a running cluster, or a node still starting. */
type ClusterAccess = Pick<Cluster, "kubeconfig" | "context">;

/**
 * The cluster's API through @kubernetes/client-node: it reads kubeconfigs the way kubectl does
 * (client certificates, bearer tokens, exec credential plugins such as doctl's for DOKS, token
 * files), so anything kubectl can reach, the harness can.
 */
export function kubeConfig(cluster: ClusterAccess): KubeConfig {
  const config = new KubeConfig();
  try {
    config.loadFromFile(cluster.kubeconfig);
  } catch (error) {
    throw new PlatformError(`cannot read kubeconfig ${cluster.kubeconfig}: ${oneLine(error)}`, "Check the file (kubectl config view shows what is wrong with it).", { cause: error });
  }
  if (cluster.context) config.setCurrentContext(cluster.context);
  if (!config.getCurrentCluster()) throw new PlatformError(`context ${cluster.context ?? config.getCurrentContext()} in ${cluster.kubeconfig} names no cluster`, "Fix the context in your kubeconfig.");
  return config;
}

export function batchApi(cluster: ClusterAccess): BatchV1Api {
  return kubeConfig(cluster).makeApiClient(BatchV1Api);
}

/** The first line of whatever an API call threw, without the response body dumps the client adds. */
export function oneLine(error: unknown): string {
  if (error instanceof ApiException) {
    const body = typeof error.body === "string" ? safeJson(error.body) : error.body;
    const message = (body as { message?: string } | undefined)?.message;
    return `HTTP ${error.code}${message ? `: ${message}` : ""}`;
  }
  const text = error instanceof Error ? error.message : String(error);
  return text.split("\n")[0]!.replace(/\s+/g, " ").trim();
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Turns any failure of an API call into one line naming what was attempted, and the fix. */
export async function kubeCall<T>(cluster: ClusterAccess, what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof PlatformError) throw error;
    const where = cluster.context ? `context ${cluster.context}` : cluster.kubeconfig;
    const status = error instanceof ApiException ? error.code : undefined;
    const fix =
      status === 401 ? "Your credentials were refused: refresh them (for DOKS: doctl kubernetes cluster kubeconfig save <cluster>)."
      : status === 403 ? "Your user lacks the permission: ask for it, or use a context that has it."
      : status === undefined ? "Check that the cluster is reachable from here (kubectl --context <ctx> get ns) and your kubeconfig is current."
      : "See the API server's answer above.";
    throw new PlatformError(`${what} failed on ${where}: ${oneLine(error)}`, fix, { cause: error });
  }
}

/**
 * A raw API request (path relative to the server), authenticated from the kubeconfig by the
 * client library. PATCH defaults to a JSON merge patch: the one kind that needs no knowledge of
 * the object's schema.
 */
export async function kubeRequest<T = unknown>(cluster: ClusterAccess, method: "GET" | "POST" | "DELETE" | "PUT" | "PATCH", path: string, body?: unknown, contentType = method === "PATCH" ? "application/merge-patch+json" : "application/json"): Promise<{ status: number; body: T }> {
  const config = kubeConfig(cluster);
  const url = new URL(path, config.getCurrentCluster()!.server);
  const options: Parameters<typeof request>[1] & { headers: Record<string, string | number> } = { method, headers: {} };
  await config.applyToHTTPSOptions(options);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  if (payload) Object.assign(options.headers, { "content-type": contentType, "content-length": Buffer.byteLength(payload) });
  const send = url.protocol === "http:" ? plainRequest : request;
  return new Promise((resolve, reject) => {
    const req = send(url, options, (res) => {
      let text = "";
      res.on("data", (chunk) => (text += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: (safeJson(text) ?? text) as T }));
    });
    req.on("error", reject);
    req.end(payload);
  });
}

export async function kubeGet<T = unknown>(cluster: ClusterAccess, path: string): Promise<{ status: number; body: T }> {
  return kubeRequest<T>(cluster, "GET", path);
}
