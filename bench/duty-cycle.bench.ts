/**
 * Runner duty cycle of a demo session: seconds the training processes ran / wall seconds of the loop.
 * The rest is caddie's own work between runs (git plumbing, parsing, deciding, writing state).
 * Runs a real, short demo session on golf_mini (baseline + 3 experiments, 10 s of training each).
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
  const repo = await createDemoCourse(undefined, { trainSeconds: 10 });
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
    const { trainSeconds, wallSeconds } = result.summary;
    return [
      {
        name: "runner duty cycle of a demo session (4 runs x 10 s)",
        value: trainSeconds / wallSeconds,
        unit: "ratio",
        goal: ">= 0.9",
      },
      {
        name: "caddie's own time between runs",
        value: (wallSeconds - trainSeconds) / 4,
        unit: "s per run",
        goal: "small",
      },
    ];
  } finally {
    await rm(repo, { recursive: true, force: true });
  }
}
