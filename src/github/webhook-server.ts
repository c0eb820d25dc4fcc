/**
 * The HTTP front of the App: probot's middleware behind a body cap. A delivery whose body is larger than
 * `maxBodyBytes` (declared or streamed) is answered 413 without being buffered, so nobody can make the App
 * hold an unbounded request in memory; everything else is read once, capped, and handed to probot, which
 * checks the signature against the webhook secret before any handler runs.
 */
import http from "node:http";
import { createNodeMiddleware, type ApplicationFunction, type Probot } from "probot";

/** GitHub caps webhook payloads at 25 MB; caddie's events are far smaller (a comment is at most 65 KB). */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

type Middleware = (
  req: http.IncomingMessage,
  res: http.ServerResponse,
  next?: () => void,
) => Promise<boolean>;

function tooLarge(res: http.ServerResponse, limit: number): void {
  res.writeHead(413, { "content-type": "text/plain" });
  res.end(`payload larger than ${limit} bytes\n`);
}

/**
 * Drains what is left of a refused body without keeping it (so the sender reads the 413 instead of a
 * broken pipe); a sender that goes on past eight times the limit is cut off.
 */
function discardRest(req: http.IncomingMessage, limit: number, already: number): void {
  let size = already;
  req.removeAllListeners("data");
  req.on("data", (chunk: Buffer) => {
    size += chunk.length;
    if (size > 8 * limit) req.destroy();
  });
  req.resume();
}

/** Reads at most `limit` bytes of the body; null (the rest discarded) when it is larger. */
function readCapped(req: http.IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        chunks.length = 0;
        discardRest(req, limit, size);
        resolve(null);
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/** Wraps probot's middleware with the body cap (the raw body is handed on, so signatures still verify). */
export function cappedWebhooks(middleware: Middleware, maxBodyBytes: number) {
  return async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const declared = Number(req.headers["content-length"] ?? 0);
    if (declared > maxBodyBytes) {
      discardRest(req, maxBodyBytes, 0);
      tooLarge(res, maxBodyBytes);
      return;
    }
    if (req.method === "POST") {
      const body = await readCapped(req, maxBodyBytes);
      if (body === null) {
        tooLarge(res, maxBodyBytes);
        return;
      }
      // @octokit/webhooks reads `rawBody` when present instead of the (already consumed) stream.
      Object.assign(req, { body: {}, rawBody: new Uint8Array(body) });
    }
    await middleware(req, res, () => res.writeHead(404).end());
  };
}

export async function createWebhookServer(
  app: ApplicationFunction,
  options: { probot: Probot; maxBodyBytes?: number; webhooksPath?: string },
): Promise<http.Server> {
  const middleware = (await createNodeMiddleware(app, {
    probot: options.probot,
    ...(options.webhooksPath ? { webhooksPath: options.webhooksPath } : {}),
  })) as Middleware;
  const handle = cappedWebhooks(middleware, options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES);
  return http.createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
}
