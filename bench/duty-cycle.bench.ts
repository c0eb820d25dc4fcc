/**
 * Where a demo session's wall time goes: the training loop by the logs' own clocks (the honest duty
 * cycle), the training processes' start-up, evaluation and exit, and caddie's own work between runs (git
 * plumbing, the sandbox and data view, parsing, deciding, writing state), and caddie's scoring step (its
 * own re-score of every model on the held-out shard, the issue's < 10% of a run). Runs a real, short demo session
 * on golf_mini (baseline + 3 experiments, 10 s of training each).
 */
import { rm } from "node:fs/promises";
import { courseVariables } from "../src/local/caddie-paths.ts";
import { checkPython, createDemoCourse, ensureDemoData } from "../src/local/demo-course.ts";
import { loadConfig } from "../src/local/load-config.ts";
import { runLocalSession } from "../src/local/local-session.ts";
import type { BenchResult } from "./bench-result.ts";

export async function benchDutyCycle(): Promise<BenchResult[]> {
  const env = { ...process.env, CADDIE_PROGRESS: "plain" };
  const vars = courseVariables(env);
  await checkPython(vars.PYTHON ?? "python3");
  await ensureDemoData(vars.PYTHON ?? "python3", vars.CADDIE_DATA ?? "");
  const repo = await createDemoCourse(undefined, { steps: 40 });
  try {
    const { config } = await loadConfig(repo);
    const result = await runLocalSession({
      repo,
      tag: "bench",
      config,
      agent: "sweep",
      maxExperiments: 3,
      maxHours: null,
      seed: 1337,
      io: {
        stdout: () => undefined,
        stderr: () => undefined,
        cwd: repo,
        env,
        signal: new AbortController().signal,
      },
      title: "bench",
    });
    const { trainSeconds, wallSeconds, time } = result.summary;
    const share = (seconds: number) => seconds / wallSeconds;
    return [
      {
        name: "caddie's scoring step, share of a run's wall time",
        value: time.scoreSeconds / wallSeconds,
        unit: "ratio",
        goal: "< 0.1",
      },
      {
        name: "caddie's scoring step per run",
        value: time.scoreSeconds / time.runs,
        unit: "s",
        goal: "(reference)",
      },
      {
        name: "duty cycle: training loop / wall (4 runs x 10 s)",
        value: trainSeconds / wallSeconds,
        unit: "ratio",
        goal: "(reference)",
      },
      {
        name: "  start-up share (imports, data, model)",
        value: share(time.phases.startup),
        unit: "ratio",
        goal: "(reference)",
      },
      {
        name: "  evaluation + serialization share",
        value: share(time.phases.evaluation),
        unit: "ratio",
        goal: "(reference)",
      },
      {
        name: "caddie's own time between runs (besides scoring)",
        value: (wallSeconds - time.runSeconds - time.scoreSeconds) / time.runs,
        unit: "s per run",
        goal: "< 1 s",
      },
    ];
  } finally {
    await rm(repo, { recursive: true, force: true });
  }
}
