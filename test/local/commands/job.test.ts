import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { jobCommand } from "../../../src/local/commands/job.ts";
import { resolvePython } from "../../../src/local/caddie-paths.ts";
import { bwrapWorks } from "../../helpers/sandbox.ts";

function io(cwd: string, env: Record<string, string | undefined> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    io: {
      stdout: (t: string) => out.push(t),
      stderr: (t: string) => err.push(t),
      cwd,
      env: { PATH: process.env.PATH, ...env },
      signal: new AbortController().signal,
    },
  };
}

/** Running, not a zombie waiting for a reaper (killed processes whose parent died linger as those). */
const alive = (pid: number) => {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
};

describe("caddie job (the experiment workflow's steps)", () => {
  it("settings: the proxy tier from caddie's own config reader, as $GITHUB_OUTPUT lines", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "caddie-job-"));
    writeFileSync(
      path.join(dir, "caddie.yml"),
      "tiers:\n  proxy:\n    runs_on: [self-hosted, gpu, h100]\n    timeout_minutes: 20\nlimit_bytes: 15000000\n",
    );
    const t = io(dir);
    expect(await jobCommand.run(["settings", "--config", "caddie.yml"], t.io)).toBe(0);
    expect(t.out.join("")).toBe(
      [
        'runs-on=["self-hosted","gpu","h100"]',
        "job-timeout=40",
        "target=train_gpt.py",
        "model=final_model.int8.ptz",
        "limit=15000000",
        "metric-pattern=",
        // caddie's own re-score: the defaults, the tokenizer found in the experiment's checkout, the tier's env.
        `score=${JSON.stringify({
          tokenizer: "sentencepiece:experiment/data/tokenizers/fineweb_1024_bpe.model",
          "max-tokens": "2097152",
          tolerance: "0.05",
          timeout: "600",
          device: "auto",
          env: "MAX_WALLCLOCK_SECONDS=300",
        })}`,
        "",
      ].join("\n"),
    );
    writeFileSync(path.join(dir, "bad.yml"), "tiers:\n  proxy:\n    timeout_minutes: lots\n");
    const bad = io(dir);
    expect(await jobCommand.run(["settings", "--config", "bad.yml"], bad.io)).toBe(1);
    expect(bad.err.join("")).toContain("timeout_minutes");
  });

  it("train: allow-listed environment, workflow commands paused around the output, the whole group killed on timeout", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "caddie-job-"));
    const checkout = path.join(dir, "experiment");
    mkdirSync(checkout);
    // A training script that prints its environment, tries a workflow command, and leaves a worker behind
    // that ignores SIGTERM (as torchrun's workers can).
    writeFileSync(
      path.join(checkout, "train.py"),
      [
        "import os, signal, subprocess, sys, time",
        "print('ENV', sorted(os.environ))",
        "print('::error::pwned')",
        "worker = subprocess.Popen([sys.executable, '-c', 'import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(600)'])",
        "open('worker.pid', 'w').write(str(worker.pid))",
        "sys.stdout.flush()",
        "time.sleep(600)",
      ].join("\n"),
    );
    writeFileSync(
      path.join(dir, "caddie.yml"),
      `tiers:\n  proxy:\n    sandbox: none\n    command: ["${resolvePython(process.env)}", "train.py"]\n    env: {MAX_WALLCLOCK_SECONDS: "300"}\n`,
    );
    const secret = ["gh", "s_", "x".repeat(36)].join("");
    const t = io(dir, {
      GITHUB_TOKEN: secret,
      ACTIONS_RUNTIME_TOKEN: secret,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: secret,
      ANTHROPIC_API_KEY: secret,
      MODAL_TOKEN_SECRET: secret,
      RUNNER_WORKSPACE: path.join(dir, "runner", "_work", "repo"),
    });
    const code = await jobCommand.run(
      [
        "train",
        "--config",
        "caddie.yml",
        "--checkout",
        "experiment",
        "--out",
        "out",
        "--timeout-seconds",
        "3",
      ],
      t.io,
    );
    expect(code).toBe(0);
    const stdout = t.out.join("");
    const token = /::stop-commands::([0-9a-f]{32})\n/.exec(stdout)?.[1] ?? "";
    expect(token).not.toBe("");
    // The run's "::error::" line sits between the pause and the resume, so the runner ignores it.
    const paused = stdout.indexOf(`::stop-commands::${token}`);
    expect(stdout.indexOf("::error::pwned")).toBeGreaterThan(paused);
    expect(stdout.indexOf(`::${token}::`)).toBeGreaterThan(stdout.indexOf("::error::pwned"));
    const log = readFileSync(path.join(dir, "out", "train.log"), "utf8");
    expect(log).toContain("ENV");
    for (const name of [
      "GITHUB_TOKEN",
      "ACTIONS_RUNTIME_TOKEN",
      "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
      "ANTHROPIC_API_KEY",
      "MODAL_TOKEN_SECRET",
      "RUNNER_WORKSPACE",
    ])
      expect(log).not.toContain(`'${name}'`);
    expect(log).toContain("'MAX_WALLCLOCK_SECONDS'");
    expect(JSON.parse(readFileSync(path.join(dir, "out", "run.json"), "utf8"))).toMatchObject({
      exit_code: 124,
      timed_out: true,
      model_bytes: null,
    });
    // The worker that ignored SIGTERM is gone too.
    const worker = Number(readFileSync(path.join(checkout, "worker.pid"), "utf8"));
    await new Promise((r) => setTimeout(r, 200));
    expect(alive(worker)).toBe(false);
  }, 60_000);

  it("train --hide: the held-out shard caddie scores on reads empty to the run", async () => {
    // Outside /tmp, which the sandbox covers anyway: only --hide keeps the run from this file.
    const heldoutDir = mkdtempSync(path.join("/var/tmp", "caddie-heldout-"));
    const heldout = path.join(heldoutDir, "heldout.bin");
    writeFileSync(heldout, "held-out tokens");
    const dir = mkdtempSync(path.join(tmpdir(), "caddie-job-"));
    mkdirSync(path.join(dir, "experiment"));
    writeFileSync(
      path.join(dir, "experiment", "train.py"),
      `import sys\nprint('READ', len(open(sys.argv[1], 'rb').read()))\n`,
    );
    writeFileSync(
      path.join(dir, "caddie.yml"),
      `tiers:\n  proxy:\n    command: ["${resolvePython(process.env)}", "train.py", "${heldout}"]\n`,
    );
    const t = io(dir);
    const args = ["train", "--config", "caddie.yml", "--checkout", "experiment", "--out", "out"];
    expect(await jobCommand.run([...args, "--hide", heldout], t.io)).toBe(0);
    const log = readFileSync(path.join(dir, "out", "train.log"), "utf8");
    const sandbox = JSON.parse(readFileSync(path.join(dir, "out", "sandbox.json"), "utf8")) as {
      sandbox: string;
    };
    expect(sandbox.sandbox).toBe(bwrapWorks ? "bwrap" : "none");
    // Without a working bubblewrap nothing can hide it (docs/SECURITY.md says so).
    expect(log).toContain(bwrapWorks ? "READ 0" : "READ 15");
    // Without --hide the run reads it: the test can tell the two apart.
    const open = io(dir);
    expect(
      await jobCommand.run(
        ["train", "--config", "caddie.yml", "--checkout", "experiment", "--out", "out2"],
        open.io,
      ),
    ).toBe(0);
    expect(readFileSync(path.join(dir, "out2", "train.log"), "utf8")).toContain("READ 15");
    rmSync(heldoutDir, { recursive: true, force: true });
  }, 60_000);
});
