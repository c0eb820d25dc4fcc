/**
 * Polling GitHub through an Octokit (github-octokit.ts; the App's own installation Octokit): pages by
 * Octokit's pagination, and a conditional request for each listing page. A 304 answer to `If-None-Match`
 * reuses the cached page and does not count against the rate limit
 * (https://docs.github.com/en/rest/using-the-rest-api/best-practices-for-using-the-rest-api#use-conditional-requests-if-appropriate).
 * The cache stores each page already reduced by the caller's `project`, so it stays small enough to keep
 * in the state folder between syncs. A spent rate limit is a typed error; the sync stops and keeps what it has.
 */
import { httpStatus, type GitHubOctokit } from "./github-octokit.ts";

export interface CachedPage {
  etag: string;
  items: unknown[];
  /** The page's Link header: where the next page is, when GitHub's 304 does not repeat it. */
  link: string | null;
}

/** URL -> last page seen; the caller loads and saves it (e.g. `github-cache.json`). */
export type EtagCache = Record<string, CachedPage>;

export interface GitHubStats {
  requests: number;
  notModified: number;
  rateLimitRemaining: number | null;
}

/** Requests an hour GitHub allows without a token; a reader at that limit is told how to get more. */
const ANONYMOUS_LIMIT = 60;

/** Thrown when GitHub says the rate limit is spent; syncs stop and keep what they have. */
export class GitHubRateLimitError extends Error {
  constructor(
    readonly resetAt: string | null,
    limit: number | null,
  ) {
    const hint = limit !== null && limit <= ANONYMOUS_LIMIT ? " (set GITHUB_TOKEN for 5000/hour)" : "";
    super(`GitHub rate limit exhausted${resetAt ? `; it resets at ${resetAt}` : ""}${hint}`);
    this.name = "GitHubRateLimitError";
  }
}

export interface GitHubReader {
  /** Every item of a paginated list, each page reduced by `project`. Stops early when `stop` says so. */
  list<T>(
    path: string,
    project: (body: unknown) => T[],
    options?: { maxPages?: number; stop?: (page: T[]) => boolean },
  ): Promise<T[]>;
  /** One JSON document, not cached (blobs are fetched once, when their PR changes). */
  get(path: string): Promise<unknown>;
  readonly stats: GitHubStats;
}

type Headers = Record<string, string | number | undefined>;

interface Page {
  status: number;
  url: string;
  headers: Headers;
  data: unknown[];
}

function header(headers: Headers | undefined, name: string): string | null {
  const value = headers?.[name];
  return value === undefined ? null : String(value);
}

function responseOf(error: unknown): { headers?: Headers; data?: unknown } | undefined {
  if (error === null || typeof error !== "object" || !("response" in error)) return undefined;
  const response = error.response;
  return response !== null && typeof response === "object" ? response : undefined;
}

export function githubReader(
  octokit: GitHubOctokit,
  options: { cache: EtagCache; signal?: AbortSignal },
): GitHubReader {
  const base = octokit.request.endpoint.DEFAULTS.baseUrl.replace(/\/+$/, "");
  const stats: GitHubStats = { requests: 0, notModified: 0, rateLimitRemaining: null };
  const where = (url: string) => (url.startsWith(base) ? url.slice(base.length) : url);

  const note = (headers: Headers | undefined) => {
    const remaining = header(headers, "x-ratelimit-remaining");
    if (remaining !== null) stats.rateLimitRemaining = Number(remaining);
  };

  /** GitHub's failure in one line: a spent rate limit as its own error, anything else with its status. */
  const failure = (url: string, error: unknown): Error => {
    const status = httpStatus(error);
    const response = responseOf(error);
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof Error && (status === null || error.name === "AbortError")) return error;
    // No answer at all (refused, reset, DNS): Octokit calls that a 500 without a response.
    if (status === null || !response) return new Error(`GET ${where(url)}: ${message}`);
    note(response.headers);
    const remaining = header(response.headers, "x-ratelimit-remaining");
    if (status === 429 || (status === 403 && remaining === "0")) {
      const reset = Number(header(response.headers, "x-ratelimit-reset"));
      const limit = Number(header(response.headers, "x-ratelimit-limit") ?? Number.NaN);
      return new GitHubRateLimitError(
        Number.isFinite(reset) && reset > 0 ? new Date(reset * 1000).toISOString() : null,
        Number.isFinite(limit) ? limit : null,
      );
    }
    const body = response.data;
    const text =
      typeof body === "string"
        ? body
        : body !== null && typeof body === "object" && "message" in body
          ? String(body.message)
          : "";
    return new Error(`GET ${where(url)}: HTTP ${status}${text ? ` ${text.slice(0, 200)}` : ""}`);
  };

  const read = async (url: string, headers: Record<string, string> = {}) => {
    // Never send the token to another host, whatever a Link header says.
    if (!url.startsWith(`${base}/`)) throw new Error(`refusing to follow a link outside ${base}: ${url}`);
    stats.requests++;
    const response = await octokit.request({
      method: "GET",
      url,
      headers,
      ...(options.signal ? { request: { signal: options.signal } } : {}),
    });
    note(response.headers as Headers);
    return response;
  };

  /** One listing page: conditional on the cached ETag, answered from the cache on a 304. */
  const page = async <T>(url: string, project: (body: unknown) => T[]): Promise<Page> => {
    const cached = options.cache[url];
    try {
      const response = await read(url, cached ? { "if-none-match": cached.etag } : {});
      const headers = response.headers as Headers;
      const items = project(response.data);
      const etag = header(headers, "etag");
      if (etag) options.cache[url] = { etag, items, link: header(headers, "link") };
      return { status: response.status, url, headers, data: items };
    } catch (error) {
      const response = responseOf(error);
      if (httpStatus(error) !== 304 || !cached || !response) throw failure(url, error);
      note(response.headers);
      stats.notModified++;
      const link = header(response.headers, "link") ?? cached.link;
      return {
        status: 200,
        url,
        headers: { ...response.headers, link: link ?? undefined },
        data: cached.items,
      };
    }
  };

  return {
    stats,
    async get(path) {
      const url = path.startsWith("http") ? path : `${base}${path}`;
      try {
        return (await read(url)).data as unknown;
      } catch (error) {
        throw failure(url, error);
      }
    },
    async list<T>(
      path: string,
      project: (body: unknown) => T[],
      listOptions: { maxPages?: number; stop?: (page: T[]) => boolean } = {},
    ) {
      const maxPages = listOptions.maxPages ?? 50;
      // Octokit's pagination follows the Link headers; each page goes through `page` (ETag, cache, checks).
      const request = Object.assign((next: { url: string }) => page(next.url, project), {
        endpoint: octokit.request.endpoint,
      });
      const pages = octokit.paginate.iterator(request as unknown as typeof octokit.request, `GET ${path}`);
      const out: T[] = [];
      let count = 0;
      for await (const response of pages) {
        const items = response.data as T[];
        out.push(...items);
        if (++count >= maxPages || listOptions.stop?.(items)) break;
      }
      return out;
    },
  };
}
