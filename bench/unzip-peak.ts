/**
 * Child process of the unzip benchmark: reads one archive, unzips it, and prints how far the process's
 * peak resident memory rose meanwhile (MB), and what came of it. Run alone so nothing else moves the peak.
 */
import { readFileSync } from "node:fs";
import { unzip } from "../src/github/unzip.ts";

const [file, mode] = process.argv.slice(2);
const data = readFileSync(file ?? "");
const before = process.resourceUsage().maxRSS;
let outcome: string;
try {
  const { sizes } = await unzip(data, mode === "measure" ? { keep: () => false } : {});
  outcome = `read ${[...sizes.values()].reduce((a, b) => a + b, 0)} bytes`;
} catch (error) {
  outcome = error instanceof Error ? error.message : String(error);
}
const risenMb = (process.resourceUsage().maxRSS - before) / 1024;
process.stdout.write(`${JSON.stringify({ risenMb, outcome })}\n`);
