/**
 * The research sync's parallelism: eight feed sources on a local server, one of which never answers. Every
 * source runs at once under its own limit, so the whole sync takes about one limit, not the sum.
 */
import { performance } from "node:perf_hooks";
import { runSources } from "../src/research/run-sources.ts";
import { feedSource } from "../src/research/sources/feed.ts";
import { send, serve } from "../test/research/serve.ts";
import type { BenchResult } from "./bench-result.ts";

const LIMIT_MS = 400;
const RSS = `<?xml version="1.0"?><rss version="2.0"><channel><title>blog</title>
<item><title>Sliding window evaluation</title><link>https://blog.example.org/a</link>
<description>Stride 64.</description></item></channel></rss>`;

export async function benchResearchSources(): Promise<BenchResult[]> {
  const served = await serve((req, res) => {
    if (req.path === "/hang.rss") return; // never answers
    send(res, 200, RSS, { "content-type": "application/rss+xml" });
  });
  try {
    const sources = [
      ...Array.from({ length: 7 }, (_, i) => ({
        ...feedSource(`${served.url}/f${i}.rss`),
        name: `feed:${i}`,
      })),
      { ...feedSource(`${served.url}/hang.rss`), name: "feed:hang" },
    ];
    const started = performance.now();
    const result = await runSources(sources, { fetch: globalThis.fetch, timeoutMs: LIMIT_MS });
    const elapsed = performance.now() - started;
    if (result.failures.length !== 1) throw new Error(`expected one failure, got ${result.failures.length}`);
    return [
      {
        name: `research sync, 8 sources (1 hanging), ${LIMIT_MS} ms limit each`,
        value: Math.round(elapsed),
        unit: "ms",
        goal: "< 3000 ms (sources in parallel)",
      },
    ];
  } finally {
    await served.close();
  }
}
