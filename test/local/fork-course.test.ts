/**
 * A competitor's fork, built here: `train_gpt.py` (golf_mini playing the root script: its DATA_PATH
 * default is relative, under ./data/), `data/README.md` and a download script committed, the shards
 * untracked. `caddie run` through the CLI's own entry point, real git, real PyTorch, caddie's sandbox.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { copyFile, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { courseVariables, golfMiniDir } from "../../src/local/caddie-paths.ts";
import { checkPython, ensureDemoData } from "../../src/local/demo-course.ts";
import { main } from "../../src/local/cli.ts";
import { Git } from "../../src/local/git.ts";
import { FileStore } from "../../src/local/file-store.ts";
import { GitForge } from "../../src/local/git-forge.ts";
import { SubprocessRunner } from "../../src/local/subprocess-runner.ts";

const env = { ...process.env, CADDIE_PROGRESS: "plain", ANTHROPIC_API_KEY: "" };
const vars = courseVariables(env);
const dirs: string[] = [];

beforeAll(async () => {
  await checkPython(vars.PYTHON ?? "python3");
  await ensureDemoData(vars.PYTHON ?? "python3", vars.CADDIE_DATA ?? "");
}, 180_000);

afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const CONFIG = `target: train_gpt.py
tiers:
  proxy:
    command: ["\${PYTHON}", "train_gpt.py"]
    env: {MAX_WALLCLOCK_SECONDS: "2", VAL_MAX_TOKENS: "4096"}
    timeout_minutes: 5
scoring: {tokenizer: byte260, validation: data/datasets/sotu_byte260, max_tokens: 16384, tolerance: 0.25, device: cpu}
thresholds: {min_delta: 0.01}
search_space:
  MATRIX_LR: ["0.006", "0.009"]
`;

/** A fork-shaped repository: script, config, data/README.md and a download script; no shards. */
async function fork(script?: string): Promise<string> {
  const dir = mkdtempSync(path.join(tmpdir(), "caddie-fork-"));
  dirs.push(dir);
  const source = script ?? (await readFile(path.join(golfMiniDir, "train_gpt.py"), "utf8"));
  await writeFile(path.join(dir, "train_gpt.py"), source);
  await mkdir(path.join(dir, ".github"));
  await writeFile(path.join(dir, ".github", "caddie.yml"), CONFIG);
  await mkdir(path.join(dir, "data"));
  await writeFile(path.join(dir, "data", "README.md"), "Download the shards with python data/download.py\n");
  await writeFile(path.join(dir, "data", "download.py"), "# fetches data/datasets/sotu_byte260\n");
  await writeFile(path.join(dir, ".gitignore"), "data/datasets/\n");
  const git = new Git(dir);
  await git.run(["init", "-q", "-b", "main"]);
  await git.run(["add", "-A"]);
  await git.run(["commit", "-q", "-m", "fork"]);
  return dir;
}

/** What the fork's own download script would fetch: the shards, untracked, where the script looks. */
async function download(dir: string): Promise<void> {
  const target = path.join(dir, "data", "datasets", "sotu_byte260");
  await mkdir(target, { recursive: true });
  for (const name of ["fineweb_train_000000.bin", "fineweb_val_000000.bin"])
    await copyFile(path.join(vars.CADDIE_DATA ?? "", name), path.join(target, name));
}

async function caddie(args: string[]): Promise<{ code: number; out: string }> {
  const out: string[] = [];
  const code = await main(args, {
    stdout: (t) => out.push(t),
    stderr: (t) => out.push(t),
    cwd: process.cwd(),
    env,
    signal: new AbortController().signal,
  });
  return { code, out: out.join("") };
}

describe("caddie run on a fork-shaped course", () => {
  it("a fork without its data: caddie run stops before creating anything, naming what is missing", async () => {
    const repo = await fork();
    const missing = await caddie(["run", "--repo", repo, "--tag", "t", "--max-experiments", "1"]);
    expect(missing.code).not.toBe(0);
    expect(missing.out).toContain("data/datasets/sotu_byte260");
    expect(existsSync(path.join(repo, ".caddie", "t"))).toBe(false);
  }, 120_000);

  it("a baseline that crashes on a file no check knows of: a hint naming it, exit 1, and the baseline runs again once it is there", async () => {
    const original = await readFile(path.join(golfMiniDir, "train_gpt.py"), "utf8");
    // The fork's script also reads a file of its own under data/ (which caddie's checks cannot know).
    const needy = original.replace(
      "def main():\n",
      'def main():\n    open("./data/extra/vocab.json", encoding="utf-8").read()\n',
    );
    expect(needy).not.toBe(original);
    const repo = await fork(needy);
    await download(repo);
    const crashed = await caddie(["run", "--repo", repo, "--tag", "t", "--max-experiments", "1"]);
    expect(crashed.code).toBe(1);
    expect(crashed.out).toContain("the baseline failed");
    expect(crashed.out).toContain("hint: the run could not find ./data/extra/vocab.json");
    expect(crashed.out).toContain("stopped: baseline-crashed");
    const store = new FileStore(path.join(repo, ".caddie", "t"));
    expect((await store.readLedger()).map((r) => [r.experiment, r.status])).toEqual([["exp-000", "crash"]]);

    await mkdir(path.join(repo, "data", "extra"));
    await writeFile(path.join(repo, "data", "extra", "vocab.json"), "{}");
    const fixed = await caddie(["run", "--repo", repo, "--tag", "t", "--max-experiments", "1"]);
    expect(fixed.code).toBe(0);
    const rows = await store.readLedger();
    // The baseline on its seeds (the noise estimate), then the experiment (with any runs its verdict asked for).
    expect([...new Set(rows.map((r) => r.experiment))]).toEqual(["exp-000", "exp-001"]);
    expect(rows[0]?.status).toBe("keep");
    expect(rows[0]?.val_bpb).toBeGreaterThan(0);
    // The run read the fork's committed data/README.md and the linked shards; the held-out slice stayed out.
    const runDir = path.join(repo, ".caddie", "t", "runs", "exp-000-s1337");
    expect(await readFile(path.join(runDir, "data", "README.md"), "utf8")).toContain("download.py");
    const record = JSON.parse(await readFile(path.join(runDir, "run.json"), "utf8"));
    expect(record.flags).toEqual([]);
    expect(record.timing.trainLoopSeconds).toBeGreaterThan(0);
    expect(fixed.out).toContain("where the time went");
  }, 300_000);

  it("flags a real training run that ignores the tier's budget", async () => {
    const original = await readFile(path.join(golfMiniDir, "train_gpt.py"), "utf8");
    // The script trains 6 s whatever MAX_WALLCLOCK_SECONDS says.
    const greedy = original.replace(
      /MAX_WALLCLOCK_SECONDS = float\(os\.environ\.get\("MAX_WALLCLOCK_SECONDS", [\d.]+\)\)/,
      "MAX_WALLCLOCK_SECONDS = 6.0",
    );
    expect(greedy).not.toBe(original);
    const repo = await fork(greedy);
    await download(repo);
    const forge = await GitForge.open(repo, "t");
    const runner = new SubprocessRunner({
      runsDir: path.join(repo, ".caddie", "t", "runs"),
      exportTree: (c, d) => forge.exportTree(c, d),
      command: [vars.PYTHON ?? "python3", "train_gpt.py"],
      env: { MAX_WALLCLOCK_SECONDS: "2", VAL_MAX_TOKENS: "4096" },
      variables: vars,
      callerEnv: env,
      timeoutMs: 300_000,
      codeFiles: ["train_gpt.py"],
      modelFile: "final_model.int8.ptz",
      data: {
        sources: [{ from: path.join(repo, "data"), to: "data" }],
        valPattern: "fineweb_val_*.bin",
        courseDir: path.join(repo, ".caddie", "course-data"),
      },
      sandbox: { mode: "auto", network: false, hide: [repo] },
      budget: { budgetSeconds: 2, overheadSeconds: null },
    });
    const out = await runner.run({ id: "exp-001", commit: await forge.lineHead(), seed: null });
    expect(out.exitCode).toBe(0);
    // The log's own clock says about 6 s: far past 2 s plus one step's slack, whatever the machine's load.
    expect(out.timing?.trainLoopSeconds).toBeGreaterThanOrEqual(6);
    expect(out.flags?.map((f) => f.code)).toEqual(["over_budget"]);
  }, 300_000);
});
