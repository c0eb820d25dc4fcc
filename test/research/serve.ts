/** A throwaway HTTP server on 127.0.0.1 for source tests: each test routes requests itself. */
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface Served {
  url: string;
  requests: { method: string; path: string; headers: http.IncomingHttpHeaders }[];
  close(): Promise<void>;
}

export type Route = (
  req: { method: string; path: string; headers: http.IncomingHttpHeaders },
  res: http.ServerResponse,
) => void;

export async function serve(route: Route): Promise<Served> {
  const requests: Served["requests"] = [];
  const server = http.createServer((req, res) => {
    const entry = { method: req.method ?? "GET", path: req.url ?? "/", headers: req.headers };
    requests.push(entry);
    route(entry, res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function send(
  res: http.ServerResponse,
  status: number,
  body: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(body);
}

/** A port with nothing listening: a source that is down. */
export async function closedPort(): Promise<string> {
  const served = await serve(() => undefined);
  await served.close();
  return served.url;
}
