/**
 * A small GitHub REST reader for polling: Link-header pagination and conditional requests. A 304 answer to
 * `If-None-Match` reuses the cached page and does not count against the rate limit
 * (https://docs.github.com/en/rest/using-the-rest-api/best-practices-for-using-the-rest-api#use-conditional-requests-if-appropriate).
 * The cache stores each page already reduced by the caller's `project`, so it stays small enough to keep
 * in the state folder between syncs.
 */

export interface CachedPage {
  etag: string;
  items: unknown[];
  next: string | null;
}

/** URL -> last page seen; the caller loads and saves it (e.g. `github-cache.json`). */
export type EtagCache = Record<string, CachedPage>;

export interface GitHubClientOptions {
  fetch: typeof globalThis.fetch;
  /** `https://api.github.com`, or a local fake in tests. */
  baseUrl: string;
  /** Optional; unauthenticated polling gets 60 requests an hour. */
  token?: string | null;
  cache: EtagCache;
  signal?: AbortSignal;
}

export interface GitHubStats {
  requests: number;
  notModified: number;
  rateLimitRemaining: number | null;
}

/** Thrown when GitHub says the rate limit is spent; syncs stop and keep what they have. */
export class GitHubRateLimitError extends Error {
  constructor(readonly resetAt: string | null) {
    super(
      `GitHub rate limit exhausted${resetAt ? `; it resets at ${resetAt}` : ""} (set GITHUB_TOKEN for 5000/hour)`,
    );
    this.name = "GitHubRateLimitError";
  }
}

export interface GitHubClient {
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

function nextLink(header: string | null): string | null {
  if (!header) return null;
  for (const part of header.split(",")) {
    const m = /<([^>]+)>\s*;\s*rel="?next"?/.exec(part);
    if (m) return m[1] ?? null;
  }
  return null;
}

export function createGitHubClient(options: GitHubClientOptions): GitHubClient {
  const base = options.baseUrl.replace(/\/+$/, "");
  const stats: GitHubStats = { requests: 0, notModified: 0, rateLimitRemaining: null };

  const request = async (url: string, etag: string | null): Promise<Response> => {
    // Never send the token to another host, whatever a Link header says.
    if (!url.startsWith(`${base}/`)) throw new Error(`refusing to follow a link outside ${base}: ${url}`);
    const headers: Record<string, string> = {
      accept: "application/vnd.github+json",
      "x-github-api-version": "2022-11-28",
      "user-agent": "caddie-research",
    };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (etag) headers["if-none-match"] = etag;
    stats.requests++;
    const response = await options.fetch(url, { headers, signal: options.signal });
    const remaining = response.headers.get("x-ratelimit-remaining");
    if (remaining !== null) stats.rateLimitRemaining = Number(remaining);
    if (
      (response.status === 403 || response.status === 429) &&
      (remaining === "0" || response.status === 429)
    ) {
      const reset = Number(response.headers.get("x-ratelimit-reset"));
      throw new GitHubRateLimitError(
        Number.isFinite(reset) && reset > 0 ? new Date(reset * 1000).toISOString() : null,
      );
    }
    return response;
  };

  const fail = async (url: string, response: Response): Promise<never> => {
    const text = (await response.text().catch(() => "")).slice(0, 200);
    throw new Error(`GET ${url.slice(base.length)}: HTTP ${response.status}${text ? ` ${text}` : ""}`);
  };

  return {
    stats,
    async get(path) {
      const url = path.startsWith("http") ? path : `${base}${path}`;
      const response = await request(url, null);
      if (!response.ok) await fail(url, response);
      return (await response.json()) as unknown;
    },
    async list(path, project, listOptions = {}) {
      const maxPages = listOptions.maxPages ?? 50;
      const out: ReturnType<typeof project> = [];
      let url: string | null = path.startsWith("http") ? path : `${base}${path}`;
      for (let page = 0; url !== null && page < maxPages; page++) {
        const cached: CachedPage | undefined = options.cache[url];
        const response = await request(url, cached?.etag ?? null);
        let items: ReturnType<typeof project>;
        let next: string | null;
        if (response.status === 304 && cached) {
          stats.notModified++;
          items = cached.items as ReturnType<typeof project>;
          next = nextLink(response.headers.get("link")) ?? cached.next;
        } else {
          if (!response.ok) await fail(url, response);
          items = project((await response.json()) as unknown);
          next = nextLink(response.headers.get("link"));
          const etag = response.headers.get("etag");
          if (etag) options.cache[url] = { etag, items, next };
        }
        out.push(...items);
        if (listOptions.stop?.(items)) break;
        url = next;
      }
      return out;
    },
  };
}
