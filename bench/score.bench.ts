/**
 * caddie's scoring step as a share of a golf_mini run on this CPU (the goal: under 10%):
 * `python -m caddie_score.bench` trains golf_mini once for the demo's 20 s through the sandbox and times
 * `caddie_score score` on its model (16,384 held-out tokens, two sandboxed model hosts).
 */
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { caddieRoot, courseVariables } from "../src/local/caddie-paths.ts";
import { checkPython, ensureDemoData } from "../src/local/demo-course.ts";
import type { BenchResult } from "./bench-result.ts";

interface ScoreBench {
  run_seconds: number;
  median_score_seconds: number;
  share_of_run: number;
  status: string;
}

export async function benchScore(): Promise<BenchResult[]> {
  const vars = courseVariables(process.env);
  const python = vars.PYTHON ?? "python3";
  await checkPython(python);
  await ensureDemoData(python, vars.CADDIE_DATA ?? "");
  const { stdout } = await promisify(execFile)(
    python,
    ["-m", "caddie_score.bench", "--data", vars.CADDIE_DATA ?? "", "--repeats", "2"],
    { env: { ...process.env, PYTHONPATH: path.join(caddieRoot, "python") }, timeout: 600_000 },
  );
  const result = JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}") as ScoreBench;
  if (result.status !== "verified") throw new Error(`the benchmark's model was not verified: ${stdout}`);
  return [
    {
      name: "scoring step, golf_mini on CPU (median of 2)",
      value: result.median_score_seconds,
      unit: "s",
      goal: "(reference)",
    },
    {
      name: "scoring step / the 20 s run's wall time",
      value: result.share_of_run,
      unit: "ratio",
      goal: "< 0.1",
    },
  ];
}
