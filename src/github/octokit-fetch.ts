/**
 * A `fetch` for the research GitHub reader (src/research/github-client.ts) that goes through the App's
 * Octokit: its installation token, base URL, retries and request logging. GET only, which is all polling
 * needs. Octokit throws for 304 and for 4xx/5xx; those become plain responses again, so the reader's
 * ETag and Link handling stays the one implementation both front doors use.
 */
import type { GitHubClient } from "./github-client.ts";
import { httpStatus } from "./github-client.ts";

type Answer = { status: number; headers: Record<string, unknown>; data: unknown };

function isAnswer(value: unknown): value is Answer {
  return (
    value !== null &&
    typeof value === "object" &&
    "status" in value &&
    typeof value.status === "number" &&
    "headers" in value &&
    typeof value.headers === "object" &&
    value.headers !== null
  );
}

function toResponse(answer: Answer): Response {
  const headers = new Headers();
  for (const [key, value] of Object.entries(answer.headers))
    if (typeof value === "string" || typeof value === "number") headers.set(key, String(value));
  // A 304 has no body; anything else is re-encoded as the JSON it was.
  const noBody = answer.status === 304 || answer.status === 204 || answer.data === undefined;
  if (!noBody) headers.set("content-type", "application/json; charset=utf-8");
  return new Response(noBody ? null : JSON.stringify(answer.data), { status: answer.status, headers });
}

/** The Octokit's base URL (`https://api.github.com`, a GHES `/api/v3`, or a test fake). */
export function octokitBaseUrl(gh: GitHubClient): string {
  return gh.request.endpoint.DEFAULTS.baseUrl;
}

export function octokitFetch(gh: GitHubClient): typeof globalThis.fetch {
  return async (input, init) => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    const method = (init?.method ?? "GET").toUpperCase();
    if (method !== "GET") throw new Error(`octokitFetch reads only (GET), not ${method} ${url}`);
    const given = new Headers(init?.headers);
    const headers: Record<string, string> = {};
    // Octokit sets its own authorization and user agent; pass on what the reader asks for.
    for (const name of ["accept", "if-none-match", "x-github-api-version"]) {
      const value = given.get(name);
      if (value !== null) headers[name] = value;
    }
    try {
      const answer: unknown = await gh.request({
        method: "GET",
        url,
        headers,
        ...(init?.signal ? { request: { signal: init.signal } } : {}),
      });
      if (!isAnswer(answer)) throw new Error(`unexpected answer from GET ${url}`);
      return toResponse(answer);
    } catch (error) {
      const response: unknown =
        error !== null && typeof error === "object" && "response" in error ? error.response : undefined;
      if (httpStatus(error) !== null && isAnswer(response)) return toResponse(response);
      throw error;
    }
  };
}
