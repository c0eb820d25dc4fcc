/**
 * `npm run bench`: every benchmark, printed as a table. Speed and memory goals live here, not in timed
 * tests; the README lists the numbers measured. `npm run bench -- NAME` runs the ones whose name matches.
 */
import type { BenchResult } from "./bench-result.ts";
import { benchParseLog } from "./parse-log.bench.ts";
import { benchSweep } from "./sweep.bench.ts";
import { benchDutyCycle } from "./duty-cycle.bench.ts";
import { benchRunnerOverhead } from "./runner-overhead.bench.ts";
import { benchAction } from "./action.bench.ts";
import { benchGithub } from "./github.bench.ts";
import { benchKeeps } from "./keeps.bench.ts";
import { benchResearchSources } from "./research-sources.bench.ts";
import { benchSanitize } from "./sanitize.bench.ts";
import { benchFeedXml } from "./feed-xml.bench.ts";
import { benchUnzip } from "./unzip.bench.ts";
import { benchScore } from "./score.bench.ts";
import { benchSlots } from "./slots.bench.ts";

const suites: [string, () => Promise<BenchResult[]>][] = [
  ["parse-log", benchParseLog],
  ["sweep", benchSweep],
  ["action", benchAction],
  ["github", benchGithub],
  ["research-sources", benchResearchSources],
  ["sanitize", benchSanitize],
  ["feed-xml", benchFeedXml],
  ["unzip", benchUnzip],
  ["runner-overhead", benchRunnerOverhead],
  ["duty-cycle", benchDutyCycle],
  ["score", benchScore],
  ["slots", benchSlots],
  // False keeps and the sweep against random search on golf_mini (`keeps --small` for a quick one).
  ["keeps", benchKeeps],
];

const filter = process.argv[2];
for (const [name, bench] of suites) {
  if (filter && !name.includes(filter)) continue;
  process.stdout.write(`\n## ${name}\n`);
  const started = performance.now();
  for (const r of await bench()) {
    const value = Number.isInteger(r.value) ? String(r.value) : r.value.toFixed(r.value < 10 ? 3 : 1);
    process.stdout.write(`  ${r.name.padEnd(64)} ${`${value} ${r.unit}`.padEnd(22)} goal ${r.goal}\n`);
  }
  process.stdout.write(`  (${((performance.now() - started) / 1000).toFixed(1)} s)\n`);
}
