import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { caddieRoot, resolvePython } from "../../src/local/caddie-paths.ts";

/**
 * Whether caddie's sandbox wrapper gets bubblewrap on this machine (asked of the wrapper itself). Tests
 * assert what the sandbox blocks where it works, and what caddie detects where it does not.
 */
function probe(): boolean {
  const dir = mkdtempSync(path.join(tmpdir(), "caddie-probe-"));
  try {
    const report = path.join(dir, "report.json");
    spawnSync(resolvePython(process.env), ["-m", "caddie_score.sandbox", "--report", report, "--", "true"], {
      env: { PATH: process.env.PATH, PYTHONPATH: path.join(caddieRoot, "python") },
    });
    return JSON.parse(readFileSync(report, "utf8")).sandbox === "bwrap";
  } catch {
    return false;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const bwrapWorks = probe();
