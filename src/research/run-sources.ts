/**
 * Fetches every source in parallel, each under its own time limit. A source that fails, answers garbage or
 * hangs becomes a recorded failure; the others' items still come back (the seed's asyncio.gather with
 * return_exceptions=True, plus a timeout so one hanging source cannot hold the sync).
 */
import type { ResearchSource } from "./sources/source.ts";
import type { RawItem, SourceFailure } from "./types.ts";

export interface RunSourcesOptions {
  fetch: typeof globalThis.fetch;
  /** Per-source limit in milliseconds (default 20 s). */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Milliseconds clock for elapsed times (default performance.now). */
  clock?: () => number;
}

export interface RunSourcesResult {
  items: RawItem[];
  failures: SourceFailure[];
  /** Items per source that answered. */
  counts: Record<string, number>;
}

export async function runSources(
  sources: ResearchSource[],
  options: RunSourcesOptions,
): Promise<RunSourcesResult> {
  const timeoutMs = options.timeoutMs ?? 20_000;
  const clock = options.clock ?? (() => performance.now());
  const results = await Promise.all(
    sources.map(async (source) => {
      const started = clock();
      const controller = new AbortController();
      const onOuterAbort = () => controller.abort(options.signal?.reason);
      options.signal?.addEventListener("abort", onOuterAbort, { once: true });
      let timer: ReturnType<typeof setTimeout> | undefined;
      // The race also covers a source that ignores its abort signal.
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          const error = new Error(`timed out after ${timeoutMs} ms`);
          controller.abort(error);
          reject(error);
        }, timeoutMs);
      });
      try {
        const items = await Promise.race([
          source.fetch({ fetch: options.fetch, signal: controller.signal }),
          timeout,
        ]);
        return { source: source.name, items, failure: null };
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        return {
          source: source.name,
          items: [],
          failure: { source: source.name, reason, elapsed_ms: Math.round(clock() - started) },
        };
      } finally {
        clearTimeout(timer);
        options.signal?.removeEventListener("abort", onOuterAbort);
      }
    }),
  );
  const counts: Record<string, number> = {};
  const failures: SourceFailure[] = [];
  const items: RawItem[] = [];
  for (const r of results) {
    if (r.failure) failures.push(r.failure);
    else counts[r.source] = r.items.length;
    items.push(...r.items);
  }
  return { items, failures, counts };
}
