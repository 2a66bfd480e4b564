// Starts a node and holds it until this process is stopped: the signal tests' stand-in for a
// harness run that a user interrupts.
import { startNode } from "../../harness/cluster/node.ts";

await startNode();
console.log("node up");
setInterval(() => undefined, 60_000);
