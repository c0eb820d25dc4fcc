/** The shape every fake GitHub operation handler has. */
import type { FakeGitHub } from "../server.ts";
import type { RepoState } from "../state.ts";

export interface HandlerInput {
  fake: FakeGitHub;
  state: RepoState;
  params: Record<string, string>;
  query: URLSearchParams;
  body: Record<string, unknown>;
  /** The spec's example response for a status, cloned: the template a reply overlays its state on. */
  example: (status: number) => unknown;
}

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type Handler = (input: HandlerInput) => Reply;

export type Obj = Record<string, unknown>;

export function obj(value: unknown): Obj {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Obj) : {};
}

export function notFound(): Reply {
  return { status: 404, body: { message: "Not Found", documentation_url: "https://docs.github.com/rest" } };
}

export function invalid(message: string): Reply {
  return { status: 422, body: { message, documentation_url: "https://docs.github.com/rest" } };
}

export function now(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** One page of a list, as GitHub pages: per_page (max 100) and page, with a Link header when more remain. */
export function page<T>(
  items: T[],
  query: URLSearchParams,
  fakeUrl: string,
  path: string,
): { items: T[]; headers: Record<string, string> } {
  const perPage = Math.min(Number(query.get("per_page") ?? 30) || 30, 100);
  const pageNo = Math.max(Number(query.get("page") ?? 1) || 1, 1);
  const slice = items.slice((pageNo - 1) * perPage, pageNo * perPage);
  const headers: Record<string, string> = {};
  if (pageNo * perPage < items.length) {
    const next = new URLSearchParams(query);
    next.set("page", String(pageNo + 1));
    headers.link = `<${fakeUrl}${path}?${next.toString()}>; rel="next"`;
  }
  return { items: slice, headers };
}
