/**
 * GitHub's own OpenAPI description (api.github.com.json from @octokit/openapi), loaded once per worker,
 * with the two patches Ajv needs (see ../shared/reference/testing-a-github-app-offline.md, pitfall 5), a
 * route table, and validators compiled lazily per operation (compiling everything takes seconds).
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { Ajv, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";

type Json = Record<string, unknown>;

export interface Operation {
  operationId: string;
  method: string;
  template: string;
  pattern: RegExp;
  params: string[];
  /** The operation object from the spec. */
  op: Json;
  /** JSON pointer of the operation inside the spec, for Ajv references. */
  pointer: string;
}

export interface Spec {
  raw: Json;
  operations: Operation[];
  byId: Map<string, Operation>;
  match(method: string, path: string): { operation: Operation; params: Record<string, string> } | null;
  validateRequest(operation: Operation, body: unknown): { errors: string[]; unknownFields: string[] };
  validateResponse(operation: Operation, status: number, body: unknown): string[];
  example(operation: Operation, status: number): unknown;
}

/** nullable without type -> anyOf with null; nullable enums get null added (Ajv rejects both as written). */
function reviver(_key: string, value: unknown): unknown {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return value;
  const v = value as Json;
  if (v.nullable === true) {
    if (v.type === undefined) {
      const rest = { ...v };
      delete rest.nullable;
      return { anyOf: [rest, { type: "null" }] };
    }
    if (Array.isArray(v.enum) && !v.enum.includes(null)) return { ...v, enum: [...v.enum, null] };
  }
  return v;
}

function escapePointer(segment: string): string {
  return encodeURIComponent(segment.replace(/~/g, "~0").replace(/\//g, "~1"));
}

function resolveRef(raw: Json, node: unknown): unknown {
  let current = node;
  for (let depth = 0; depth < 10; depth++) {
    if (current === null || typeof current !== "object") return current;
    const ref = (current as Json).$ref;
    if (typeof ref !== "string") return current;
    let target: unknown = raw;
    for (const part of ref.replace(/^#\//, "").split("/")) {
      target = (target as Json)[part.replace(/~1/g, "/").replace(/~0/g, "~")];
    }
    current = target;
  }
  return current;
}

let cached: Spec | null = null;

export function loadSpec(): Spec {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  const file = require.resolve("@octokit/openapi/generated/api.github.com.json");
  const raw = JSON.parse(readFileSync(file, "utf8"), reviver) as Json;
  const operations: Operation[] = [];
  for (const [template, methods] of Object.entries(raw.paths as Record<string, Json>)) {
    for (const [method, op] of Object.entries(methods)) {
      const o = op as Json;
      if (typeof o.operationId !== "string") continue;
      const params: string[] = [];
      const source = template
        .replace(/[.*+?^$()|[\]\\]/g, "\\$&")
        .replace(/\{([^}]+)\}/g, (_m, name: string) => {
          params.push(name);
          return "([^/]+)";
        });
      operations.push({
        operationId: o.operationId,
        method: method.toUpperCase(),
        template,
        pattern: new RegExp(`^${source}$`),
        params,
        op: o,
        pointer: `gh#/paths/${escapePointer(template)}/${method}`,
      });
    }
  }
  // Literal segments win over parameters.
  operations.sort((a, b) => a.params.length - b.params.length);
  const byId = new Map(operations.map((o) => [o.operationId, o]));

  const ajv = new Ajv({ strict: false, validateSchema: false, allErrors: true });
  const addFormats =
    (addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule;
  (addFormats as unknown as (a: Ajv) => void)(ajv);
  ajv.addFormat("repo.nwo", /^[^/\s]+\/[^/\s]+$/);
  ajv.addSchema(raw, "gh");
  const compiled = new Map<string, ValidateFunction | null>();
  function validator(pointer: string): ValidateFunction | null {
    if (!compiled.has(pointer)) {
      try {
        compiled.set(pointer, ajv.compile({ $ref: pointer }));
      } catch {
        compiled.set(pointer, null);
      }
    }
    return compiled.get(pointer) ?? null;
  }
  function fmt(v: ValidateFunction): string[] {
    return (v.errors ?? []).slice(0, 5).map((e) => `${e.instancePath || "/"} ${e.message ?? ""}`.trim());
  }

  // Routes by method; octokit sends some parameters (git refs) with raw slashes, so the last parameter
  // of ref- and path-like routes may also span segments (tried after the exact patterns).
  const byMethod = new Map<string, Operation[]>();
  const greedy = new Map<string, { operation: Operation; pattern: RegExp }[]>();
  for (const operation of operations) {
    byMethod.set(operation.method, [...(byMethod.get(operation.method) ?? []), operation]);
    const last = operation.params[operation.params.length - 1];
    if (last && ["ref", "path", "branch"].includes(last)) {
      const pattern = new RegExp(operation.pattern.source.replace(/\(\[\^\/\]\+\)\$$/, "(.+)$"));
      greedy.set(operation.method, [...(greedy.get(operation.method) ?? []), { operation, pattern }]);
    }
  }
  const params = (operation: Operation, m: RegExpExecArray): Record<string, string> => {
    const out: Record<string, string> = {};
    operation.params.forEach((name, i) => (out[name] = decodeURIComponent(m[i + 1] ?? "")));
    return out;
  };
  const findRoute = (
    method: string,
    path: string,
  ): { operation: Operation; params: Record<string, string> } | null => {
    for (const operation of byMethod.get(method) ?? []) {
      const m = operation.pattern.exec(path);
      if (m) return { operation, params: params(operation, m) };
    }
    for (const { operation, pattern } of greedy.get(method) ?? []) {
      const m = pattern.exec(path);
      if (m) return { operation, params: params(operation, m) };
    }
    return null;
  };
  const matches = new Map<string, { operation: Operation; params: Record<string, string> } | null>();

  cached = {
    raw,
    operations,
    byId,
    match(method, path) {
      const key = `${method} ${path}`;
      const hit = matches.get(key);
      if (hit !== undefined) return hit;
      const found = findRoute(method, path);
      if (matches.size > 10_000) matches.clear();
      matches.set(key, found);
      return found;
    },
    validateRequest(operation, body) {
      const requestBody = resolveRef(raw, operation.op.requestBody) as Json | undefined;
      const content = requestBody?.content as Record<string, Json> | undefined;
      const media = content?.["application/json"];
      if (!media) return { errors: [], unknownFields: [] };
      const pointer = `${operation.pointer}/requestBody/content/application~1json/schema`;
      const v = validator(pointer);
      const errors = v && !v(body) ? fmt(v) : [];
      const schema = resolveRef(raw, media.schema) as Json | undefined;
      const props = schema?.properties as Json | undefined;
      const unknownFields =
        props && body !== null && typeof body === "object" && !Array.isArray(body)
          ? Object.keys(body).filter((k) => !(k in props))
          : [];
      return { errors, unknownFields };
    },
    validateResponse(operation, status, body) {
      const response = resolveRef(raw, (operation.op.responses as Json)[String(status)]) as Json | undefined;
      if (!response) return [`status ${status} is not documented for ${operation.operationId}`];
      const content = response.content as Record<string, Json> | undefined;
      if (!content?.["application/json"]) return [];
      // Responses given by $ref live under components; address the schema where it is written.
      const ref = ((operation.op.responses as Json)[String(status)] as Json).$ref;
      const base = typeof ref === "string" ? `gh${ref}` : `${operation.pointer}/responses/${status}`;
      const resolved = validator(`${base}/content/application~1json/schema`);
      return resolved && !resolved(body) ? fmt(resolved) : [];
    },
    example(operation, status) {
      const response = resolveRef(raw, (operation.op.responses as Json)[String(status)]) as Json | undefined;
      const content = response?.content as Record<string, Json> | undefined;
      const media = content?.["application/json"];
      if (!media) return undefined;
      const examples = media.examples as Record<string, unknown> | undefined;
      const first = examples ? Object.values(examples)[0] : undefined;
      const ex = resolveRef(raw, first) as Json | undefined;
      return ex ? structuredClone(ex.value) : undefined;
    },
  };
  return cached;
}
