/**
 * A fake GitHub REST API on 127.0.0.1 for tests that drive the real app over real HTTP.
 * Every request is matched against GitHub's OpenAPI description; bodies are checked with Ajv and for
 * unknown fields; `apps/*` calls need an RS256 App JWT, everything else an installation token this fake
 * issued, except reads of a public repository (`addRepository`), which GitHub serves without one;
 * responses are re-checked against the response schema. Primary rate limits are counted as GitHub counts
 * them (per token, or per address without one; an authorized 304 is free) and sent as `x-ratelimit-*`
 * headers. Calls and violations are recorded; every test asserts `violations` is empty.
 */
import http from "node:http";
import { createHash, createVerify, randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import { loadSpec, type Operation, type Spec } from "./spec.ts";
import { RepoState, type Actor } from "./state.ts";
import { handlers, type Handler, type Reply } from "./handlers/index.ts";

export interface FakeCall {
  operationId: string;
  method: string;
  path: string;
  status: number;
  auth: "jwt" | "token" | "none";
  body: unknown;
}

export interface Violation {
  kind:
    "unknown-route" | "unauthorized" | "request-body" | "unknown-field" | "unimplemented" | "response-shape";
  operationId?: string;
  detail: string;
}

/**
 * A scripted failure: the next `times` matching calls answer with it instead of the handler. The
 * `lost-*` kinds are lost answers: the handler applies the write, then the client gets a 502 (`lost-502`),
 * the connection is reset before any answer (`lost-reset`), or no answer ever comes (`lost-hang`, until the
 * client gives up), as when GitHub times out behind its proxy.
 */
export interface Fault {
  operationId: string;
  kind: "502" | "rate-limit" | "secondary-rate-limit" | "500" | "lost-502" | "lost-reset" | "lost-hang";
  times: number;
}

export interface FakeGitHubOptions {
  appId: number;
  /** The App's public key, to verify its JWTs; without one no App call is authorized. */
  publicKey?: string;
  repo?: string;
  installationId?: number;
  appSlug?: string;
}

export class FakeGitHub {
  readonly state: RepoState;
  readonly calls: FakeCall[] = [];
  readonly violations: Violation[] = [];
  readonly appSlug: string;
  readonly installationId: number;
  readonly appId: number;
  url = "";
  /** Per-request delay in ms, to make latency measurements resemble a network. */
  latencyMs = 0;
  /** Milliseconds spent inside the fake (routing, validation, handlers), for benchmarks to subtract. */
  busyMs = 0;
  /** Primary rate limits an hour: without a token (per address), and per installation token. */
  readonly rateLimits = { anonymous: 60, installation: 5000 };
  private readonly rateUsed = new Map<string, number>();
  private rateReset = Math.floor(Date.now() / 1000) + 3600;
  private readonly publicKey: string | null;
  private readonly tokens = new Map<string, number>();
  private readonly others = new Map<string, RepoState>();
  private readonly faults: Fault[] = [];
  private server: http.Server | null = null;
  private readonly spec: Spec;
  /** Answers held back by `lost-hang`, ended when the fake closes. */
  private readonly hung: http.ServerResponse[] = [];

  constructor(options: FakeGitHubOptions) {
    this.appId = options.appId;
    this.publicKey = options.publicKey ?? null;
    this.installationId = options.installationId ?? 1;
    this.appSlug = options.appSlug ?? "caddie-test";
    this.state = new RepoState(options.repo ?? "octo-org/octo-repo");
    this.spec = loadSpec();
  }

  /** The actor the App's installation token writes as. */
  get bot(): Actor {
    return { login: `${this.appSlug}[bot]`, type: "Bot" };
  }

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      void this.handle(req, res);
    });
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
    return this;
  }

  async close(): Promise<void> {
    for (const res of this.hung.splice(0)) res.socket?.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Serves another repository (a public one the App reads, e.g. openai/parameter-golf) beside the user's. */
  addRepository(fullName: string): RepoState {
    const state = new RepoState(fullName);
    state.settings.private = false;
    this.others.set(fullName.toLowerCase(), state);
    return state;
  }

  /** The rate-limit hour is over: every budget is whole again. */
  resetRateLimits(): void {
    this.rateUsed.clear();
    this.rateReset = Math.floor(Date.now() / 1000) + 3600;
  }

  /** A repository anyone may ask for: a public one, or one that does not exist (GitHub answers 404). */
  private isPublic(params: Record<string, string>): boolean {
    if (params.owner === undefined || params.repo === undefined) return false;
    const name = `${params.owner}/${params.repo}`.toLowerCase();
    if (name === `${this.state.owner}/${this.state.name}`.toLowerCase()) return !this.state.settings.private;
    const other = this.others.get(name);
    return other === undefined || !other.settings.private;
  }

  /** Who a request's rate limit is counted for: an installation, or the address of an anonymous reader. */
  private rateIdentity(req: http.IncomingMessage): { key: string; limit: number } {
    const token = (req.headers.authorization ?? "").split(" ")[1];
    const installation = token === undefined ? undefined : this.tokens.get(token);
    return installation === undefined
      ? { key: `address:${req.socket.remoteAddress ?? ""}`, limit: this.rateLimits.anonymous }
      : { key: `installation:${installation}`, limit: this.rateLimits.installation };
  }

  /** Counts one answer against its budget (an authorized 304 is free) and returns GitHub's headers. */
  private countRate(who: { key: string; limit: number }, status: number, anonymous: boolean) {
    let used = this.rateUsed.get(who.key) ?? 0;
    if (!(status === 304 && !anonymous)) this.rateUsed.set(who.key, ++used);
    return {
      "x-ratelimit-limit": String(who.limit),
      "x-ratelimit-remaining": String(Math.max(0, who.limit - used)),
      "x-ratelimit-used": String(used),
      "x-ratelimit-reset": String(this.rateReset),
      "x-ratelimit-resource": "core",
    };
  }

  fail(fault: Fault): void {
    this.faults.push({ ...fault });
  }

  /** Operation ids of recorded calls, in order (token requests included). */
  ops(): string[] {
    return this.calls.map((c) => c.operationId);
  }

  private verifyJwt(token: string): boolean {
    const [h, p, s] = token.split(".");
    if (!h || !p || !s || this.publicKey === null) return false;
    const ok = createVerify("RSA-SHA256")
      .update(`${h}.${p}`)
      .verify(this.publicKey, Buffer.from(s, "base64url"));
    if (!ok) return false;
    const claims = JSON.parse(Buffer.from(p, "base64url").toString("utf8")) as Record<string, unknown>;
    const now = Math.floor(Date.now() / 1000);
    const iat = Number(claims.iat);
    const exp = Number(claims.exp);
    return String(claims.iss) === String(this.appId) && exp > now && iat <= now + 60 && exp - iat <= 660;
  }

  private auth(req: http.IncomingMessage, operation: Operation): "jwt" | "token" | null {
    const header = req.headers.authorization ?? "";
    const [scheme, value] = header.split(" ");
    if (!value) return null;
    if (operation.operationId.startsWith("apps/")) {
      return scheme?.toLowerCase() === "bearer" && this.verifyJwt(value) ? "jwt" : null;
    }
    return this.tokens.has(value) ? "token" : null;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
    const began = performance.now();
    res.on("finish", () => (this.busyMs += performance.now() - began));
    const url = new URL(req.url ?? "/", this.url);
    const path = url.pathname.replace(/^\/api\/v3/, "");
    const method = (req.method ?? "GET").toUpperCase();
    // Set once the caller is known: then every answer counts against its rate limit and says so.
    let rate: ((status: number) => Record<string, string>) | null = null;
    const send = (status: number, body?: unknown, given: Record<string, string> = {}): void => {
      const headers = { ...rate?.(status), ...given };
      if (body === undefined) {
        res.writeHead(status, headers).end();
        return;
      }
      if (Buffer.isBuffer(body)) {
        res.writeHead(status, { "content-type": "application/zip", ...headers }).end(body);
        return;
      }
      res
        .writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers })
        .end(JSON.stringify(body));
    };

    // Artifact storage: where download-artifact redirects (a blob host in real GitHub).
    const blob = /^\/_blobs\/artifacts\/(\d+)\.zip$/.exec(path);
    if (blob && method === "GET") {
      const artifact = [...this.state.workflowRuns.values()]
        .flatMap((r) => r.artifacts)
        .find((a) => a.id === Number(blob[1]));
      send(artifact ? 200 : 404, artifact ? artifact.zip : { message: "Not Found" });
      return;
    }

    const found = this.spec.match(method, path);
    if (!found) {
      this.violations.push({ kind: "unknown-route", detail: `${method} ${path}` });
      send(404, { message: "Not Found" });
      return;
    }
    const { operation, params } = found;
    const raw = Buffer.concat(chunks).toString("utf8");
    let body: unknown;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      this.violations.push({
        kind: "request-body",
        operationId: operation.operationId,
        detail: "invalid JSON",
      });
      send(400, { message: "Problems parsing JSON" });
      return;
    }
    const call: FakeCall = {
      operationId: operation.operationId,
      method,
      path,
      status: 0,
      auth: "none",
      body,
    };
    this.calls.push(call);
    const auth = this.auth(req, operation);
    const anonymous = !auth && !req.headers.authorization && method === "GET" && this.isPublic(params);
    if (!auth && !anonymous) {
      call.status = 401;
      this.violations.push({
        kind: "unauthorized",
        operationId: operation.operationId,
        detail: `${method} ${path}`,
      });
      send(401, { message: "Bad credentials" });
      return;
    }
    call.auth = auth ?? "none";
    if (auth !== "jwt") {
      const who = this.rateIdentity(req);
      if ((this.rateUsed.get(who.key) ?? 0) >= who.limit) {
        call.status = 403;
        send(
          403,
          {
            message: `API rate limit exceeded for ${anonymous ? "127.0.0.1" : "installation"}.`,
            documentation_url: "https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api",
          },
          {
            "x-ratelimit-limit": String(who.limit),
            "x-ratelimit-remaining": "0",
            "x-ratelimit-used": String(who.limit),
            "x-ratelimit-reset": String(this.rateReset),
            "x-ratelimit-resource": "core",
          },
        );
        return;
      }
      rate = (status) => this.countRate(who, status, anonymous);
    }
    let state = this.state;
    if (params.owner !== undefined && (params.owner !== state.owner || params.repo !== state.name)) {
      const other = this.others.get(`${params.owner}/${params.repo}`.toLowerCase());
      if (!other) {
        call.status = 404;
        send(404, { message: "Not Found" });
        return;
      }
      state = other;
    }
    if (body !== undefined) {
      const { errors, unknownFields } = this.spec.validateRequest(operation, body);
      for (const field of unknownFields)
        this.violations.push({ kind: "unknown-field", operationId: operation.operationId, detail: field });
      if (errors.length > 0) {
        call.status = 422;
        this.violations.push({
          kind: "request-body",
          operationId: operation.operationId,
          detail: errors.join("; "),
        });
        send(422, { message: "Validation Failed", errors });
        return;
      }
    }
    const fault = this.faults.find((f) => f.operationId === operation.operationId && f.times > 0);
    if (fault) fault.times--;
    if (fault && !fault.kind.startsWith("lost-")) {
      call.status = this.sendFault(fault, send);
      return;
    }
    const handler: Handler | undefined = handlers[operation.operationId];
    if (!handler) {
      call.status = 501;
      this.violations.push({
        kind: "unimplemented",
        operationId: operation.operationId,
        detail: `${method} ${path}`,
      });
      send(501, { message: `fake GitHub does not implement ${operation.operationId}` });
      return;
    }
    let reply: Reply;
    try {
      reply = handler({
        fake: this,
        state,
        params,
        query: url.searchParams,
        body: (body ?? {}) as Record<string, unknown>,
        example: (status) => this.spec.example(operation, status),
      });
    } catch (error) {
      call.status = 500;
      send(500, { message: error instanceof Error ? error.message : String(error) });
      return;
    }
    call.status = reply.status;
    if (fault?.kind === "lost-502") {
      call.status = 502;
      send(502);
      return;
    }
    if (fault?.kind === "lost-hang") {
      call.status = 0;
      this.hung.push(res);
      return;
    }
    if (fault?.kind === "lost-reset") {
      call.status = 0;
      res.socket?.destroy();
      return;
    }
    if (reply.body !== undefined && !Buffer.isBuffer(reply.body)) {
      for (const problem of this.spec.validateResponse(operation, reply.status, reply.body))
        this.violations.push({ kind: "response-shape", operationId: operation.operationId, detail: problem });
    }
    if (
      method === "GET" &&
      reply.status === 200 &&
      reply.body !== undefined &&
      !Buffer.isBuffer(reply.body)
    ) {
      // Conditional requests as GitHub answers them: an ETag on every 200, and 304 with no body when the
      // client's If-None-Match still matches (docs: "Use conditional requests if appropriate").
      const etag = `W/"${createHash("sha1")
        .update(JSON.stringify(reply.body))
        .update(reply.headers?.link ?? "")
        .digest("hex")}"`;
      if (req.headers["if-none-match"] === etag) {
        call.status = 304;
        send(304, undefined, { etag, ...(reply.headers?.link ? { link: reply.headers.link } : {}) });
        return;
      }
      send(reply.status, reply.body, { ...reply.headers, etag });
      return;
    }
    send(reply.status, reply.body, reply.headers);
  }

  private sendFault(
    fault: Fault,
    send: (status: number, body?: unknown, headers?: Record<string, string>) => void,
  ): number {
    const reset = String(Math.floor(Date.now() / 1000));
    if (fault.kind === "rate-limit") {
      send(
        403,
        { message: "API rate limit exceeded for installation ID 1." },
        { "x-ratelimit-remaining": "0", "x-ratelimit-limit": "5000", "x-ratelimit-reset": reset },
      );
      return 403;
    }
    if (fault.kind === "secondary-rate-limit") {
      send(
        403,
        { message: "You have exceeded a secondary rate limit. Please wait a few minutes." },
        { "retry-after": "1" },
      );
      return 403;
    }
    const status = Number(fault.kind);
    send(status, status === 502 ? undefined : { message: "Server Error" });
    return status;
  }

  /** Issues an installation token (called by the apps handler). */
  issueToken(installationId: number): string {
    const token = `ghs_${randomBytes(18).toString("base64url")}`;
    this.tokens.set(token, installationId);
    return token;
  }
}
