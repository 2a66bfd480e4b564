import { createServer, connect, type Server, type Socket } from "node:net";
import { join } from "node:path";
import type { Supervised } from "../processes.ts";
import type { NodeNamespaces } from "./namespace.ts";

/**
 * The node's network namespace has no link to the host's, so nothing the node does can reach
 * the machine's networks and no route on the host changes. The harness still needs the API
 * server: a port on the host's loopback is relayed through a Unix socket in the node's folder
 * to the port inside the namespace. Both ends are loopback: no packet ever crosses a network.
 */
export interface Forward {
  /** The port on 127.0.0.1 on the host. */
  port: number;
  close(): Promise<void>;
}

// Runs inside the node: accepts on the Unix socket, connects to <address>:<port> in the namespace.
const innerRelay = `
const net = require("node:net");
const [socket, port, address] = process.argv.slice(1);
require("node:fs").rmSync(socket, { force: true });
net.createServer((client) => {
  const upstream = net.connect(Number(port), address);
  client.pipe(upstream).on("error", () => upstream.destroy());
  upstream.pipe(client).on("error", () => client.destroy());
  client.on("error", () => upstream.destroy());
  upstream.on("error", () => client.destroy());
}).listen(socket);
`;

function relay(client: Socket, upstream: Socket): void {
  client.pipe(upstream);
  upstream.pipe(client);
  client.on("error", () => upstream.destroy());
  upstream.on("error", () => client.destroy());
  client.on("close", () => upstream.destroy());
  upstream.on("close", () => client.destroy());
}

export async function forwardIntoNode(namespaces: NodeNamespaces, dir: string, port: number, processes: Supervised[], address = "127.0.0.1"): Promise<Forward> {
  const socket = join(dir, `relay-${port}.sock`);
  processes.push(namespaces.supervise(`relay to port ${port}`, process.execPath, ["-e", innerRelay, socket, String(port), address], join(dir, `relay-${port}.log`)));
  const open = new Set<Socket>();
  const server: Server = createServer((client) => {
    open.add(client);
    client.on("close", () => open.delete(client));
    relay(client, connect(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const hostPort = (server.address() as { port: number }).port;
  const close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const client of open) client.destroy();
    });
  return { port: hostPort, close };
}
