/**
 * caddie's own overhead per training run, apart from the training: the same trivial command (a process
 * that exits at once) started by the bare runner (no sandbox, no data) and by the runner as `caddie run`
 * uses it (the sandbox wrapper with bubblewrap, the data view with the run's validation slice, the data
 * fingerprints, the state guard, retention, run.json). The difference is what the protection costs a run.
 */
import { copyFile, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { courseVariables } from "../src/local/caddie-paths.ts";
import { checkPython, ensureDemoData } from "../src/local/demo-course.ts";
import { FileStore } from "../src/local/file-store.ts";
import { GitForge } from "../src/local/git-forge.ts";
import { Git } from "../src/local/git.ts";
import { SubprocessRunner } from "../src/local/subprocess-runner.ts";
import type { BenchResult } from "./bench-result.ts";

const RUNS = 8;

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

export async function benchRunnerOverhead(): Promise<BenchResult[]> {
  const vars = courseVariables(process.env);
  await checkPython(vars.PYTHON ?? "python3");
  await ensureDemoData(vars.PYTHON ?? "python3", vars.CADDIE_DATA ?? "");
  const repo = await mkdtemp(path.join(tmpdir(), "caddie-bench-runner-"));
  try {
    // A fork-shaped course: the golf_mini shards as the repository's untracked data.
    await writeFile(path.join(repo, "train_gpt.py"), "print('step:1/1 train_loss:1 train_time:1ms')\n");
    await mkdir(path.join(repo, "data"));
    await writeFile(path.join(repo, "data", "README.md"), "shards go here\n");
    const git = new Git(repo);
    await git.run(["init", "-q", "-b", "main"]);
    await git.run(["add", "-A"]);
    await git.run(["commit", "-q", "-m", "bench"]);
    const shards = path.join(repo, "data", "datasets", "sotu_byte260");
    await mkdir(shards, { recursive: true });
    for (const name of ["fineweb_train_000000.bin", "fineweb_val_000000.bin"])
      await copyFile(path.join(vars.CADDIE_DATA ?? "", name), path.join(shards, name));
    const forge = await GitForge.open(repo, "bench");
    const store = new FileStore(path.join(repo, ".caddie", "bench"));
    await store.writeState({ counter: 0, experiments: {} });
    await store.watch();
    const head = await forge.lineHead();
    const common = {
      runsDir: path.join(repo, ".caddie", "bench", "runs"),
      exportTree: (c: string, d: string) => forge.exportTree(c, d),
      command: ["true"],
      env: {},
      variables: vars,
      timeoutMs: 60_000,
      codeFiles: ["train_gpt.py"],
      modelFile: "final_model.int8.ptz",
    };
    const bare = new SubprocessRunner({ ...common, sandbox: { mode: "none", network: false, hide: [] } });
    const guarded = new SubprocessRunner({
      ...common,
      sandbox: { mode: "auto", network: false, hide: [repo], cacheDir: path.join(repo, ".caddie", "cache") },
      data: {
        sources: [{ from: path.join(repo, "data"), to: "data" }],
        valPattern: "fineweb_val_*.bin",
        courseDir: path.join(repo, ".caddie", "course-data"),
      },
      guard: store.guard,
      drop: ["*.pt"],
      budget: { budgetSeconds: 60, overheadSeconds: null },
    });
    // The first guarded run splits the validation data and hashes the shards: once per course.
    const first = performance.now();
    await guarded.run({ id: "warm", commit: head, seed: null });
    const firstSeconds = (performance.now() - first) / 1000;

    const time = async (runner: SubprocessRunner) => {
      const walls: number[] = [];
      const processes: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        const t = performance.now();
        const out = await runner.run({ id: `r${i}`, commit: head, seed: null });
        walls.push((performance.now() - t) / 1000);
        processes.push(out.seconds);
      }
      return { wall: median(walls), process: median(processes) };
    };
    const b = await time(bare);
    const g = await time(guarded);
    return [
      {
        name: "runner, bare (export + spawn + wait), per run",
        value: b.wall,
        unit: "s",
        goal: "(reference)",
      },
      {
        name: "runner with sandbox + data view + checks, per run",
        value: g.wall,
        unit: "s",
        goal: "< 1 s",
      },
      {
        name: "  of which the sandbox's start (process wall, wrapper - bare)",
        value: g.process - b.process,
        unit: "s",
        goal: "(reference)",
      },
      {
        name: "caddie's protection overhead per run (guarded - bare)",
        value: g.wall - b.wall,
        unit: "s",
        goal: "< 1 s",
      },
      {
        name: "first run of a course (split + hashing the data once)",
        value: firstSeconds,
        unit: "s",
        goal: "(once per course)",
      },
    ];
  } finally {
    await rm(repo, { recursive: true, force: true });
  }
}
