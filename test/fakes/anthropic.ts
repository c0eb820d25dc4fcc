/**
 * A local server speaking the Anthropic Messages API (POST /v1/messages) and the Models API
 * (GET /v1/models, GET /v1/models/{model_id}), for tests that drive the real @anthropic-ai/sdk over real
 * HTTP. Each test scripts the replies and the model catalogue; the server checks the request shape the way
 * the real API does (required fields, roles, tool definitions, headers) and records every request. With a
 * catalogue, a message naming a model that is not in it, or is retired, fails as the real API does.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface MessagesRequest {
  model: string;
  max_tokens: number;
  messages: { role: "user" | "assistant"; content: unknown }[];
  system?: unknown;
  tools?: { name: string; description?: string; input_schema: Record<string, unknown> }[];
  tool_choice?: unknown;
  [key: string]: unknown;
}

export type ContentBlock =
  | { type: "text"; text: string }
  | { type: "tool_use"; id?: string; name: string; input: Record<string, unknown> };

/** A scripted reply: content blocks (the server wraps them in a full Message), or a raw HTTP answer. */
export type FakeReply = { content: ContentBlock[]; stop_reason?: string } | { status: number; body: unknown };

/** A catalogue entry; the server fills the rest of the Models API's ModelInfo shape. */
export interface FakeModel {
  id: string;
  display_name?: string;
  /** RFC 3339; newer models are listed first, as the real API does. */
  created_at?: string;
  lifecycle?: "active" | "deprecated" | "retired";
  deprecated_at?: string | null;
  retires_at?: string | null;
}

export interface FakeAnthropic {
  url: string;
  requests: MessagesRequest[];
  /** Paths (with query) of the Models API requests, in order. */
  modelRequests: string[];
  /** Shape errors the server answered with 400; tests assert it stays empty. */
  violations: string[];
  close(): Promise<void>;
}

function checkRequest(body: unknown): string | null {
  if (typeof body !== "object" || body === null) return "body must be a JSON object";
  const b = body as Record<string, unknown>;
  if (typeof b.model !== "string" || b.model === "") return "model: required string";
  if (typeof b.max_tokens !== "number" || !Number.isInteger(b.max_tokens) || b.max_tokens < 1)
    return "max_tokens: required positive integer";
  if (!Array.isArray(b.messages) || b.messages.length === 0) return "messages: required non-empty array";
  for (const [i, m] of b.messages.entries()) {
    const msg = m as Record<string, unknown>;
    if (msg.role !== "user" && msg.role !== "assistant")
      return `messages.${i}.role: must be user or assistant`;
    if (typeof msg.content !== "string" && !Array.isArray(msg.content))
      return `messages.${i}.content: string or array`;
  }
  if ((b.messages[0] as Record<string, unknown>).role !== "user")
    return "messages: first message must use the user role";
  if (b.tools !== undefined) {
    if (!Array.isArray(b.tools)) return "tools: must be an array";
    for (const [i, t] of b.tools.entries()) {
      const tool = t as Record<string, unknown>;
      if (typeof tool.name !== "string" || !/^[a-zA-Z0-9_-]{1,64}$/.test(tool.name))
        return `tools.${i}.name: invalid`;
      const schema = tool.input_schema as Record<string, unknown> | undefined;
      if (!schema || schema.type !== "object") return `tools.${i}.input_schema: type must be object`;
    }
  }
  return null;
}

let ids = 0;

function message(request: MessagesRequest, reply: { content: ContentBlock[]; stop_reason?: string }) {
  const content = reply.content.map((block) =>
    block.type === "tool_use" ? { ...block, id: block.id ?? `toolu_fake_${++ids}` } : block,
  );
  const hasTool = content.some((b) => b.type === "tool_use");
  return {
    id: `msg_fake_${++ids}`,
    type: "message",
    role: "assistant",
    model: request.model,
    content,
    stop_reason: reply.stop_reason ?? (hasTool ? "tool_use" : "end_turn"),
    stop_sequence: null,
    usage: { input_tokens: JSON.stringify(request.messages).length >> 2, output_tokens: 50 },
  };
}

/** The Models API's ModelInfo for a catalogue entry (fields as in @anthropic-ai/sdk resources/models). */
function modelInfo(m: FakeModel) {
  const lifecycle = m.lifecycle ?? "active";
  const line = /^claude-([a-z]+)-/.exec(m.id)?.[1] ?? null;
  return {
    type: "model",
    id: m.id,
    display_name: m.display_name ?? m.id,
    created_at: m.created_at ?? "2026-01-01T00:00:00Z",
    lifecycle,
    deprecated_at: m.deprecated_at ?? (lifecycle === "active" ? null : "2026-06-01T00:00:00Z"),
    retires_at: m.retires_at ?? null,
    line,
    max_input_tokens: 200_000,
    max_tokens: 64_000,
    capabilities: null,
  };
}

/** GET /v1/models: newest first, `lifecycle[]` filter (default active and deprecated), cursor pages. */
function listModels(models: FakeModel[], query: URLSearchParams) {
  const wanted = query.getAll("lifecycle[]");
  const stages = wanted.length ? wanted : ["active", "deprecated"];
  const all = models
    .map(modelInfo)
    .filter((m) => stages.includes(m.lifecycle))
    .sort((a, b) => b.created_at.localeCompare(a.created_at));
  const limit = Math.min(Math.max(Number(query.get("limit") ?? 20) || 20, 1), 1000);
  const after = query.get("after_id");
  const before = query.get("before_id");
  let start = 0;
  let end = all.length;
  if (after) start = all.findIndex((m) => m.id === after) + 1;
  if (before)
    end = Math.max(
      0,
      all.findIndex((m) => m.id === before),
    );
  const page = before ? all.slice(Math.max(start, end - limit), end) : all.slice(start, start + limit);
  const has_more = before ? end - limit > start : start + limit < end;
  return { data: page, first_id: page[0]?.id ?? null, last_id: page.at(-1)?.id ?? null, has_more };
}

export async function startFakeAnthropic(options: {
  respond?: (request: MessagesRequest, index: number) => FakeReply | Promise<FakeReply>;
  /** The API key the server accepts (x-api-key or Authorization: Bearer). */
  apiKey?: string;
  /** The Models API catalogue; when given, messages must name a model in it that is not retired. */
  models?: FakeModel[];
}): Promise<FakeAnthropic> {
  const requests: MessagesRequest[] = [];
  const modelRequests: string[] = [];
  const violations: string[] = [];
  const send = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json", "request-id": `req_fake_${++ids}` });
    res.end(JSON.stringify(body));
  };
  const error = (res: http.ServerResponse, status: number, type: string, msg: string) =>
    send(res, status, { type: "error", error: { type, message: msg } });

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      void (async () => {
        const url = new URL(req.url ?? "/", "http://fake");
        const modelRoute = /^\/v1\/models(?:\/([^/]+))?$/.exec(url.pathname);
        const isMessages = req.method === "POST" && url.pathname === "/v1/messages";
        if (!isMessages && !(req.method === "GET" && modelRoute))
          return error(res, 404, "not_found_error", `no route ${req.method} ${req.url}`);
        // SDK 1.x sends the key as a bearer token; older clients use x-api-key. Accept either.
        const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
        const key = req.headers["x-api-key"] ?? bearer;
        if (options.apiKey && key !== options.apiKey)
          return error(res, 401, "authentication_error", "invalid x-api-key");
        if (typeof req.headers["anthropic-version"] !== "string") {
          violations.push("missing anthropic-version header");
          return error(res, 400, "invalid_request_error", "anthropic-version header is required");
        }
        if (modelRoute) {
          modelRequests.push(`${url.pathname}${url.search}`);
          const catalogue = options.models ?? [];
          const id = modelRoute[1] === undefined ? null : decodeURIComponent(modelRoute[1]);
          if (id === null) return send(res, 200, listModels(catalogue, url.searchParams));
          const found = catalogue.find((m) => m.id === id);
          return found
            ? send(res, 200, modelInfo(found))
            : error(res, 404, "not_found_error", `model: ${id}`);
        }
        let body: unknown;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
        } catch {
          violations.push("body is not JSON");
          return error(res, 400, "invalid_request_error", "body is not valid JSON");
        }
        const problem = checkRequest(body);
        if (problem) {
          violations.push(problem);
          return error(res, 400, "invalid_request_error", problem);
        }
        const request = body as MessagesRequest;
        if (request.stream) return error(res, 400, "invalid_request_error", "the fake does not stream");
        if (options.models) {
          const known = options.models.find((m) => m.id === request.model);
          if (!known || known.lifecycle === "retired")
            return error(res, 404, "not_found_error", `model: ${request.model}`);
        }
        requests.push(request);
        try {
          if (!options.respond) throw new Error("this fake scripts no messages");
          const reply = await options.respond(request, requests.length - 1);
          if ("status" in reply) return send(res, reply.status, reply.body);
          send(res, 200, message(request, reply));
        } catch (e) {
          error(res, 500, "api_error", e instanceof Error ? e.message : String(e));
        }
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    modelRequests,
    violations,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
