/**
 * Writes to GitHub that must land exactly once. Probot's Octokit retries every request answered 5xx
 * (@octokit/plugin-retry), POSTs included, and a reset connection reads as a 500: but a 5xx, a timeout or a
 * reset after the request was sent may mean the write landed, and re-sending it blindly is how a check run
 * or a comment came out twice. So writes that are not idempotent are never retried by the client
 * (`noBlindRetries`); after an uncertain outcome `writeOnce` looks on GitHub for the write first and
 * writes again only when it is not there.
 */
import { httpStatus, type GitHubClient } from "./github-client.ts";

/** POSTs that are safe to repeat: content-addressed git objects, refs (a repeat is a 422 the callers handle),
 * labels and reactions (sets), and installation tokens. */
const REPEATABLE_POST = [
  /\/git\/(blobs|trees|commits|refs)$/,
  /\/issues\/[^/]+\/labels$/,
  /\/reactions$/,
  /\/access_tokens$/,
];

/** True for a request whose repetition could write twice (a POST or PUT not known to be repeatable). */
export function isOneShotWrite(method: string, url: string): boolean {
  const m = method.toUpperCase();
  if (m !== "POST" && m !== "PUT") return false;
  const path = url.split("?")[0] ?? "";
  return m === "PUT" || !REPEATABLE_POST.some((re) => re.test(path));
}

const guarded = new WeakSet<object>();

/** A request GitHub has not answered in this long is given up (an uncertain outcome for a write). */
export const REQUEST_TIMEOUT_MS = 60_000;

/**
 * Turns the client's own retries off for one-shot writes (idempotent requests keep them), and gives every
 * request a time limit, so a hung answer becomes an uncertain outcome instead of a hung delivery.
 */
export function noBlindRetries(gh: GitHubClient, timeoutMs = REQUEST_TIMEOUT_MS): void {
  if (guarded.has(gh)) return;
  guarded.add(gh);
  gh.hook.before("request", (options) => {
    // Mutated in place: the retry plugin reads the same options object when the request fails.
    options.request ??= {};
    const request = options.request as { retries?: number; fetch?: typeof fetch };
    request.fetch = timed(request.fetch ?? globalThis.fetch, timeoutMs);
    if (isOneShotWrite(options.method, options.url)) request.retries = 0;
  });
}

const timedFetches = new WeakSet<object>();

/** A fetch whose every call (each retry anew, never a wait in the rate limiter) has a time limit. */
function timed(base: typeof fetch, ms: number): typeof fetch {
  if (timedFetches.has(base)) return base;
  const wrapped: typeof fetch = (input, init) => {
    const limit = AbortSignal.timeout(ms);
    const signal = init?.signal ? AbortSignal.any([init.signal, limit]) : limit;
    return base(input, { ...init, signal });
  };
  timedFetches.add(wrapped);
  return wrapped;
}

/** True when a failed write may nevertheless have landed: a 5xx, or no HTTP answer at all. */
export function uncertain(error: unknown): boolean {
  const status = httpStatus(error);
  return status === null || status >= 500;
}

export interface WriteOnceOptions {
  /** Attempts in all, looking on GitHub before each one after the first (default 4). */
  attempts?: number;
  /** Wait before attempt n+1: base x n^2 ms (default 1000, as the retry plugin's first wait). */
  baseDelayMs?: number;
  /** Time limit of each request to GitHub (default REQUEST_TIMEOUT_MS). */
  requestTimeoutMs?: number;
}

/**
 * Writes once: `write`, and after an uncertain failure `find` (what GitHub holds now) before writing again.
 * A definite failure (4xx) is thrown at once; so is the last uncertain one.
 */
export async function writeOnce<T>(
  write: () => Promise<T>,
  find: () => Promise<T | null>,
  options: WriteOnceOptions = {},
): Promise<T> {
  const attempts = options.attempts ?? 4;
  const base = options.baseDelayMs ?? 1000;
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (error) {
      if (!uncertain(error) || attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, base * attempt * attempt));
      const found = await find();
      if (found !== null) return found;
    }
  }
}
