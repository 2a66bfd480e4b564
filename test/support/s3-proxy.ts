import { createServer, request, type IncomingMessage, type Server } from "node:http";
import { Transform } from "node:stream";

export interface SeenRequest {
  method: string;
  path: string;
  contentMd5?: string;
}

export interface S3Proxy {
  endpoint: string;
  seen: SeenRequest[];
  close(): Promise<void>;
}

/**
 * An HTTP proxy in front of the test object store that records every request and, for the
 * requests `corrupt` picks, flips one byte of the body on its way through: what a faulty
 * network path or a bug between client and store would do.
 */
export async function startS3Proxy(target: string, corrupt: (req: IncomingMessage) => boolean = () => false): Promise<S3Proxy> {
  const upstream = new URL(target);
  const seen: SeenRequest[] = [];
  const server: Server = createServer((req, res) => {
    const md5 = req.headers["content-md5"];
    seen.push({ method: req.method ?? "", path: req.url ?? "", ...(typeof md5 === "string" ? { contentMd5: md5 } : {}) });
    const forward = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    forward.on("error", () => res.destroy());
    if (!corrupt(req)) {
      req.pipe(forward);
      return;
    }
    let offset = 0;
    const flip = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        const copy = Buffer.from(chunk);
        if (offset <= 100 && offset + copy.length > 100) copy[100 - offset] = copy[100 - offset]! ^ 0xff;
        offset += copy.length;
        done(null, copy);
      },
    });
    req.pipe(flip).pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return { endpoint: `http://127.0.0.1:${port}`, seen, close: () => new Promise((resolve) => { server.close(() => resolve()); server.closeAllConnections(); }) };
}
