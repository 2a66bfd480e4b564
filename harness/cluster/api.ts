import { readFileSync } from "node:fs";
import { request } from "node:https";
import { parse } from "yaml";
import { z } from "zod";
import type { Cluster } from "./types.ts";

const certKubeconfig = z.object({
  "current-context": z.string(),
  contexts: z.array(z.object({ name: z.string(), context: z.object({ cluster: z.string(), user: z.string() }) })),
  clusters: z.array(z.object({ name: z.string(), cluster: z.object({ server: z.string(), "certificate-authority-data": z.string() }) })),
  users: z.array(z.object({ name: z.string(), user: z.object({ "client-certificate-data": z.string(), "client-key-data": z.string() }) })),
});

/**
 * Talks to the cluster's API the way kubectl would, for what must not go through tofu: reading
 * back what tofu applied, and one-off Jobs such as restores. Client-certificate kubeconfigs
 * only: what the local control plane and k3d write.
 */
export async function kubeGet<T = unknown>(cluster: Cluster, path: string): Promise<{ status: number; body: T }> {
  return kubeRequest<T>(cluster, "GET", path);
}

export async function kubeRequest<T = unknown>(cluster: Cluster, method: "GET" | "POST" | "DELETE" | "PATCH", path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const config = certKubeconfig.parse(parse(readFileSync(cluster.kubeconfig, "utf8")));
  const contextName = cluster.context ?? config["current-context"];
  const context = config.contexts.find((entry) => entry.name === contextName)!.context;
  const server = config.clusters.find((entry) => entry.name === context.cluster)!.cluster;
  const user = config.users.find((entry) => entry.name === context.user)!.user;
  const decode = (data: string) => Buffer.from(data, "base64").toString();
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    // PATCH is a JSON merge patch: the one patch kind that needs no knowledge of the object's schema.
    const contentType = method === "PATCH" ? "application/merge-patch+json" : "application/json";
    const headers = payload ? { "content-type": contentType, "content-length": Buffer.byteLength(payload) } : undefined;
    const tls = { ca: decode(server["certificate-authority-data"]), cert: decode(user["client-certificate-data"]), key: decode(user["client-key-data"]) };
    const req = request(new URL(path, server.server), { method, headers, ...tls }, (res) => {
      let text = "";
      res.on("data", (chunk) => (text += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as T }));
    });
    req.on("error", reject);
    req.end(payload);
  });
}
