/**
 * `caddie run` as a real process, stopped by SIGTERM (timeout, systemd, a CI cancel) or SIGHUP (a closed
 * terminal) while an experiment trains: the whole training process group ends, children that ignore
 * SIGTERM included, caddie exits with 128 + the signal, and the state holds only whole, finished runs.
 */
import { afterAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { constants, tmpdir } from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { parseLedger } from "../../src/core/ledger.ts";
import { Git } from "../../src/local/git.ts";
import { repoRoot } from "../helpers/shared.ts";
import { writeShard } from "../helpers/shards.ts";

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/**
 * The baseline scores at once (a uniform model, which caddie's scorer measures at 8.0 bits per byte: the
 * log claims as much); every other run starts a child that ignores SIGTERM, ignores it itself, and sleeps.
 * The marker in their command lines finds any survivor.
 */
const script = (marker: string) => `import os, signal, subprocess, sys, time
MATRIX_LR = float(os.environ.get("MATRIX_LR", 0.01))


def caddie_model(model_path, device):
    import torch
    return (lambda ids: torch.zeros(ids.shape[0], ids.shape[1], 260)), 16


if __name__ == "__main__":
    print("model_params:10", flush=True)
    if os.environ.get("RUN_ID") == "exp-000":
        open("final_model.int8.ptz", "wb").write(b"x" * 100)
        print("final_int8_zlib_roundtrip_exact val_loss:5.56000000 val_bpb:8.02000000", flush=True)
        sys.exit(0)
    subprocess.Popen([sys.executable, "-c", "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(600)  # ${marker}"])
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    open("started", "w").write("1")
    time.sleep(600)
`;

function survivors(marker: string): number[] {
  const found: number[] = [];
  for (const pid of readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(marker)) found.push(Number(pid));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 900; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`gave up waiting for ${what}`);
}

describe.each(["SIGTERM", "SIGHUP"] as const)("caddie run stopped by %s", (signal) => {
  it("ends the training process group and records nothing half-written", async () => {
    const marker = `caddie-orphan-${randomBytes(6).toString("hex")}`;
    const repo = mkdtempSync(path.join(tmpdir(), "caddie-signal-"));
    dirs.push(repo);
    await writeFile(path.join(repo, "train_gpt.py"), script(marker));
    await mkdir(path.join(repo, ".github"));
    await writeFile(
      path.join(repo, ".github", "caddie.yml"),
      `tiers:\n  proxy:\n    command: ["\${PYTHON}", "train_gpt.py"]\n    env: {}\nscoring: {tokenizer: byte260, validation: data, device: cpu, tolerance: 0.5}\nsearch_space:\n  MATRIX_LR: ["0.01", "0.02"]\n`,
    );
    const git = new Git(repo);
    await git.run(["init", "-q", "-b", "main"]);
    await git.run(["add", "-A"]);
    await git.run(["commit", "-q", "-m", "course"]);
    // Untracked validation data, as a fork keeps it: caddie holds part of it out for its own score.
    await writeShard(path.join(repo, "data", "fineweb_val_000000.bin"), 8, 200);

    const child = spawn(
      process.execPath,
      [path.join(repoRoot, "bin", "caddie"), "run", "--repo", repo, "--tag", "t", "--max-experiments", "3"],
      { env: { ...process.env, ANTHROPIC_API_KEY: "", CADDIE_PROGRESS: "plain" }, stdio: "pipe" },
    );
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));

    const started = path.join(repo, ".caddie", "t", "runs", "exp-001-s1337", "started");
    let code: number | null;
    try {
      await until(() => existsSync(started) || child.exitCode !== null, "exp-001 to start training");
      expect(output).toContain("exp-001 training");
      expect(survivors(marker).length).toBeGreaterThan(0);
      child.kill(signal);
      code = await exited;
    } finally {
      // A failed wait must not leave caddie (and its training group) running after the test.
      if (child.exitCode === null) child.kill("SIGTERM");
    }

    expect(code).toBe(128 + constants.signals[signal]);
    expect(survivors(marker)).toEqual([]);
    // Only the finished baseline runs (three seeds) are recorded, whole; the interrupted experiment left
    // no row and no state.
    const ledger = parseLedger(await readFile(path.join(repo, ".caddie", "t", "results.tsv"), "utf8"));
    expect(ledger.map((r) => [r.experiment, r.seed, r.status])).toEqual([
      ["exp-000", 1337, "keep"],
      ["exp-000", 1338, "keep"],
      ["exp-000", 1339, "keep"],
    ]);
    const state = JSON.parse(await readFile(path.join(repo, ".caddie", "t", "state.json"), "utf8"));
    expect(state.counter).toBe(0);
    expect(readdirSync(path.join(repo, ".caddie", "t")).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  }, 120_000);
});
