/**
 * The feed reader on adversarial feeds at its size cap: throughput on 8 MB of each kind of input that could
 * make an XML reader super-linear (declarations, which once made it quadratic; attributes, empty and
 * unclosed tags, stray closing tags, entities, CDATA, comments, many entries) and how the time grows from
 * 4 to 8 MB (goal: linear, a ratio near 2). Errors are results too: the time to say "malformed" counts.
 */
import { performance } from "node:perf_hooks";
import { parseFeed } from "../src/research/feed-xml.ts";
import type { BenchResult } from "./bench-result.ts";

const KINDS: [head: string, unit: string][] = [
  ["<feed>", "<!a>"],
  ["<feed>", "<!DOCTYPE x [<!ENTITY a 'b'>]>"],
  ["<feed><entry><title>t</title><link", ' b=""'],
  ["<feed><entry><title>t</title>", "<a/>"],
  ["<feed><entry><title>t</title>", "</zz>"],
  ["<feed><entry><title>", "&amp;&#x41;&lol;"],
  ["<feed><entry><title>", "<![CDATA[x]]>"],
  ["<feed>", "<!--x-->"],
  ["<feed>", "<entry><title>t</title><id>i</id></entry>"],
];

const MAX = 7_900_000; // under the reader's 8,000,000-character cap

function seconds(text: string): number {
  const runs: number[] = [];
  for (let i = 0; i < 3; i++) {
    const started = performance.now();
    try {
      parseFeed(text);
    } catch {
      // a FeedError is an answer too
    }
    runs.push((performance.now() - started) / 1000);
  }
  return Math.min(...runs);
}

export async function benchFeedXml(): Promise<BenchResult[]> {
  let slowest = { unit: "", mbps: Infinity };
  let worstRatio = 0;
  for (const [head, unit] of KINDS) {
    const build = (chars: number) => head + unit.repeat(Math.floor((chars - head.length) / unit.length));
    const full = build(MAX);
    const half = build(MAX / 2);
    const sFull = seconds(full);
    const mbps = full.length / 1e6 / sFull;
    if (mbps < slowest.mbps) slowest = { unit, mbps };
    worstRatio = Math.max(worstRatio, sFull / Math.max(seconds(half), 1e-6));
  }
  return [
    {
      name: `feed reader throughput, 8 MB adversarial (slowest: ${JSON.stringify(slowest.unit)})`,
      value: slowest.mbps,
      unit: "MB/s",
      goal: "> 5 MB/s",
    },
    {
      name: "feed reader time 8 MB / time 4 MB (worst kind)",
      value: worstRatio,
      unit: "x",
      goal: "~2 (linear)",
    },
  ];
}
