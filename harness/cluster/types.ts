/** A Kubernetes API for one run, however it was obtained. */
export interface Cluster {
  kind: "kubeconfig" | "k3d" | "local" | "node";
  kubeconfig: string;
  context?: string;
  server?: string;
  /** Releases what the harness started; a no-op for a cluster the user named. */
  stop(): Promise<void>;
}
