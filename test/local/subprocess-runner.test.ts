/**
 * The local runner with real processes, real git and caddie's real sandbox wrapper: the training command
 * is a small Node script, so each case is one quick child process.
 */
import { afterEach, describe, expect, it } from "vitest";
import { existsSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import path from "node:path";
import { SubprocessRunner, type SubprocessRunnerOptions } from "../../src/local/subprocess-runner.ts";
import { GitForge } from "../../src/local/git-forge.ts";
import { FileStore } from "../../src/local/file-store.ts";
import { UserError } from "../../src/core/user-error.ts";
import { crashHint } from "../../src/core/crash-hint.ts";
import { tempRepo } from "../helpers/temp-repo.ts";
import { writeShard } from "../helpers/shards.ts";
import { bwrapWorks } from "../helpers/sandbox.ts";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

const script = `
const fs = require("fs");
const mode = process.env.MODE;
console.log("model_params:10");
if (mode === "hang") {
  // A child that ignores SIGTERM: only killing the whole group with SIGKILL ends it.
  require("child_process").spawn(process.execPath, ["-e", "process.on('SIGTERM',()=>{}); setInterval(()=>{},1000)"], { stdio: "ignore" });
  process.on("SIGTERM", () => {});
  setInterval(() => {}, 1000);
} else if (mode === "fail") {
  console.error("ValueError: bad heads");
  process.exit(3);
} else {
  fs.writeFileSync("final_model.int8.ptz", Buffer.alloc(1234));
  fs.writeFileSync("final_model.pt", Buffer.alloc(50000));
  console.log("step:1/2 train_loss:1.0 train_time:5ms step_avg:5ms");
  process.stdout.write("final_int8_zlib_roundtrip_exact val_loss:1.00000000 val_bpb:" + process.env.SEED);
}
`;

/** A repository with `files` committed, and a runner for it (overrides merged into the options). */
async function setup(files: Record<string, string>, overrides: Partial<SubprocessRunnerOptions> = {}) {
  const repo = await tempRepo(files);
  cleanups.push(repo.cleanup);
  const forge = await GitForge.open(repo.dir, "t");
  const runner = new SubprocessRunner({
    runsDir: path.join(repo.dir, ".caddie", "t", "runs"),
    exportTree: (c, d) => forge.exportTree(c, d),
    command: [process.execPath, Object.keys(files)[0] ?? "train.js"],
    env: {},
    timeoutMs: 20_000,
    codeFiles: [Object.keys(files)[0] ?? "train.js"],
    modelFile: "final_model.int8.ptz",
    killGraceMs: 200,
    sandbox: { mode: "auto", network: false, hide: [repo.dir] },
    ...overrides,
  });
  return { repo, forge, runner, head: await forge.lineHead() };
}

describe("SubprocessRunner", () => {
  it("runs the commit in its own folder, streams lines, says where the model is and records run.json", async () => {
    const { runner, head } = await setup({ "train.js": script }, { env: { MODE: "ok" }, drop: ["*.pt"] });
    const lines: string[] = [];
    const out = await runner.run({ id: "exp-001", commit: head, seed: 7, onLine: (l) => lines.push(l) });
    expect(out.exitCode).toBe(0);
    expect(out.timedOut).toBe(false);
    expect(out.modelBytes).toBe(1234);
    expect(out.modelPath).toMatch(/exp-001-s7[\\/]final_model\.int8\.ptz$/);
    expect(out.logText).toContain("val_bpb:7");
    expect(lines).toContain("step:1/2 train_loss:1.0 train_time:5ms step_avg:5ms");
    expect(lines.at(-1)).toContain("val_bpb:7"); // a last line without a newline still arrives
    expect(out.logPath).toMatch(/exp-001-s7[\\/]run\.log$/);
    expect(out.timing?.trainLoopSeconds).toBe(0.005);
    expect(out.timing?.steps).toBe(1);
    expect(out.flags).toEqual([]);

    // Retention: the raw checkpoint is gone; the log, the compressed model and the code stay.
    const dir = path.dirname(out.logPath);
    expect(existsSync(path.join(dir, "final_model.pt"))).toBe(false);
    for (const kept of ["run.log", "final_model.int8.ptz", "train.js", "run.json"])
      expect(existsSync(path.join(dir, kept)), kept).toBe(true);
    const record = JSON.parse(await readFile(path.join(dir, "run.json"), "utf8"));
    expect(record.bytes.peak - record.bytes.kept).toBeGreaterThanOrEqual(50000);
    expect(record.sandbox.mode).toBe(bwrapWorks ? "bwrap" : "none");
    expect(Object.keys(record.timing.phases)).toEqual(["startup", "training", "evaluation", "exit"]);
  });

  it("keeps raw checkpoints when the retention list is empty", async () => {
    const { runner, head } = await setup({ "train.js": script }, { env: { MODE: "ok" }, drop: [] });
    const out = await runner.run({ id: "exp-001", commit: head, seed: null });
    expect(existsSync(path.join(path.dirname(out.logPath), "final_model.pt"))).toBe(true);
  });

  it("gives the run an allow-listed environment: no API key, token or caddie setting", async () => {
    const fakeKey = ["sk", "ant", "api03", "k".repeat(30)].join("-");
    const { runner, head } = await setup(
      { "env.js": "console.log(JSON.stringify(process.env))" },
      {
        env: { MAX_WALLCLOCK_SECONDS: "20" },
        callerEnv: {
          ...process.env,
          ANTHROPIC_API_KEY: fakeKey,
          CADDIE_MODEL: "m",
          MY_LEAKY_SETTING: "z",
        },
      },
    );
    const out = await runner.run({ id: "exp-001", commit: head, seed: 3 });
    const line = out.logText.split("\n").find((l) => l.startsWith("{")) ?? "{}";
    const env = JSON.parse(line) as Record<string, string>;
    expect(out.logText).not.toContain(fakeKey);
    expect(env.ANTHROPIC_API_KEY).toBeUndefined();
    expect(env.CADDIE_MODEL).toBeUndefined();
    expect(env.MY_LEAKY_SETTING).toBeUndefined();
    expect(env).toMatchObject({
      MAX_WALLCLOCK_SECONDS: "20",
      RUN_ID: "exp-001",
      SEED: "3",
      PYTHONUNBUFFERED: "1",
    });
    expect(env.PATH).toBeTruthy();
  });

  it("refuses a config that hands the run a credential", async () => {
    const { runner, head } = await setup(
      { "env.js": "" },
      {
        env: { KEY_COPY: "${ANTHROPIC_API_KEY}" },
        callerEnv: { PATH: "/usr/bin", ANTHROPIC_API_KEY: "x".repeat(20) },
      },
    );
    await expect(runner.run({ id: "exp-001", commit: head, seed: null })).rejects.toThrow(UserError);
  });

  it("records a non-zero exit code and the absence of a model file", async () => {
    const { runner, head } = await setup({ "train.js": script }, { env: { MODE: "fail" } });
    const out = await runner.run({ id: "exp-002", commit: head, seed: null });
    expect(out.exitCode).toBe(3);
    expect(out.modelBytes).toBeNull();
    expect(out.logText).toContain("ValueError: bad heads");
  });

  it("kills the whole process group at the timeout, even children that ignore SIGTERM", async () => {
    const { runner, head } = await setup({ "train.js": script }, { env: { MODE: "hang" }, timeoutMs: 800 });
    const out = await runner.run({ id: "exp-003", commit: head, seed: null });
    expect(out.timedOut).toBe(true);
    expect(survivors(path.dirname(out.logPath))).toEqual([]);
  });

  it("stops the run when the caller aborts (Ctrl-C)", async () => {
    const { runner, head } = await setup({ "train.js": script }, { env: { MODE: "hang" } });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const out = await runner.run({ id: "exp-004", commit: head, seed: null, signal: controller.signal });
    expect(out.timedOut).toBe(false);
    expect(out.exitCode).not.toBe(0);
    expect(survivors(path.dirname(out.logPath))).toEqual([]);
  });

  it("reports a command that cannot start as a failed run, not an exception", async () => {
    const { runner, head } = await setup({ "x.py": "" }, { command: ["/nonexistent/python"] });
    const out = await runner.run({ id: "e", commit: head, seed: null });
    expect(out.exitCode).not.toBe(0);
    // The sandbox's own words (bubblewrap's execvp error, or the wrapper's) name the command.
    expect(crashHint(out.logText)).toContain("/nonexistent/python is not on the PATH");
  });

  it("estimates a run's footprint from earlier run folders: warns when the session may not fit, stops when one run cannot", async () => {
    const { repo, runner, head } = await setup({ "train.js": script }, { env: { MODE: "ok" } });
    const earlier = path.join(repo.dir, ".caddie", "t", "runs", "exp-000");
    await mkdir(earlier, { recursive: true });
    // A kept folder of 1 TB: a thousand more cannot fit on this disk, but the next run still can.
    await writeFile(path.join(earlier, "run.json"), JSON.stringify({ bytes: { peak: 1e6, kept: 1e12 } }));
    expect(await runner.checkDisk(1000)).toMatch(/the 1000 run\(s\) left need about .*: the disk may fill/);
    // A run that peaked at 1 EB: not even one more fits, and nothing is started.
    await writeFile(path.join(earlier, "run.json"), JSON.stringify({ bytes: { peak: 1e18, kept: 1 } }));
    const fresh = new SubprocessRunner({
      runsDir: path.join(repo.dir, ".caddie", "t", "runs"),
      exportTree: async () => undefined,
      command: ["true"],
      env: {},
      timeoutMs: 1000,
      codeFiles: [],
      modelFile: "m",
    });
    await expect(fresh.run({ id: "exp-001", commit: head, seed: null })).rejects.toThrow(/free some space/);
    expect(existsSync(path.join(repo.dir, ".caddie", "t", "runs", "exp-001"))).toBe(false);
  });

  it("flags a run whose own log says it trained past the budget", async () => {
    const { runner, head } = await setup(
      { "train.js": 'console.log("step:500/500 train_loss:2.0 train_time:31000ms step_avg:62ms")' },
      { budget: { budgetSeconds: 10, overheadSeconds: null } },
    );
    const out = await runner.run({ id: "e", commit: head, seed: null });
    expect(out.flags?.map((f) => f.code)).toEqual(["over_budget"]);
    expect(out.flags?.[0]?.message).toContain("31.0 s");
  });
});

/** Processes still alive whose command line or working folder mentions the run folder. */
function survivors(runDir: string): number[] {
  const found: number[] = [];
  for (const pid of readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8");
      let cwd = "";
      try {
        cwd = readlinkSync(`/proc/${pid}/cwd`);
      } catch {
        // another user's process, or gone
      }
      if (cwd.startsWith(runDir) || cmd.includes(runDir)) found.push(Number(pid));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

describe("SubprocessRunner data view", () => {
  /** A fork-shaped repository: data/README.md and a script committed, shards and tokenizer untracked. */
  async function fork(train: string, overrides: Partial<SubprocessRunnerOptions> = {}) {
    const s = await setup(
      {
        "train.js": train,
        "data/README.md": "download with data/get.py\n",
        "data/get.py": "# fetches shards\n",
      },
      overrides,
    );
    const dataset = path.join(s.repo.dir, "data", "datasets", "sp");
    const originalVal = path.join(dataset, "fineweb_val_000000.bin");
    await writeShard(path.join(dataset, "fineweb_train_000000.bin"), 20, 100, 1);
    await writeShard(path.join(dataset, "fineweb_val_000000.bin"), 10, 50, 2);
    await mkdir(path.join(s.repo.dir, "data", "tokenizers"), { recursive: true });
    await writeFile(path.join(s.repo.dir, "data", "tokenizers", "tok.model"), "tokenizer-bytes");
    const runner = new SubprocessRunner({
      runsDir: path.join(s.repo.dir, ".caddie", "t", "runs"),
      exportTree: (c, d) => s.forge.exportTree(c, d),
      command: [process.execPath, "train.js"],
      env: { ORIGINAL_VAL: originalVal },
      timeoutMs: 20_000,
      codeFiles: ["train.js"],
      modelFile: "m.ptz",
      killGraceMs: 200,
      sandbox: { mode: "auto", network: false, hide: [s.repo.dir] },
      data: {
        sources: [{ from: path.join(s.repo.dir, "data"), to: "data" }],
        valPattern: "fineweb_val_*.bin",
        courseDir: path.join(s.repo.dir, ".caddie", "course-data"),
      },
      ...overrides,
    });
    return { ...s, runner, dataset };
  }

  it("merges the untracked data into the commit's data folder, with the run's own validation slice", async () => {
    const { runner, head, dataset } = await fork(
      `
      const fs = require("fs");
      const size = (f) => { try { return fs.statSync(f).size } catch { return -1 } };
      console.log(JSON.stringify({
        readme: fs.readFileSync("data/README.md", "utf8"),
        tok: fs.readFileSync("data/tokenizers/tok.model", "utf8"),
        train: size("data/datasets/sp/fineweb_train_000000.bin"),
        val: size("data/datasets/sp/fineweb_val_000000.bin"),
        originalVal: size(process.env.ORIGINAL_VAL),
      }));
    `,
      {},
    );
    const original = path.join(dataset, "fineweb_val_000000.bin");
    const seen = await runner.run({ id: "exp-001", commit: head, seed: null });
    const view = JSON.parse(seen.logText.split("\n").find((l) => l.startsWith("{")) ?? "{}");
    expect(view.readme).toBe("download with data/get.py\n");
    expect(view.tok).toBe("tokenizer-bytes");
    expect(view.train).toBe(readFileSync(path.join(dataset, "fineweb_train_000000.bin")).length);
    // The run's slice is part of the validation data, never all of it.
    expect(view.val).toBeGreaterThan(1024);
    expect(view.val).toBeLessThan(readFileSync(original).length);
    const data = await runner.prepareCourseData();
    expect(data.heldOut).toHaveLength(1);
    expect(existsSync(data.heldOut[0]?.file ?? "")).toBe(true);
    // Under the sandbox the original validation shard (holding the held-out documents) is out of reach.
    if (bwrapWorks) expect(view.originalVal).toBe(-1);
    expect(seen.flags).toEqual([]);
  });

  it.each([["auto"], ["none"]] as const)(
    "flags a run that rewrites its data, or cannot (sandbox %s)",
    async (mode) => {
      const { runner, head, dataset } = await fork(
        `
        const fs = require("fs");
        for (const f of ["data/datasets/sp/fineweb_train_000000.bin", "data/datasets/sp/fineweb_val_000000.bin"]) {
          try { fs.writeFileSync(f, "poisoned"); console.log("wrote " + f) } catch (e) { console.log("refused " + e.code) }
        }
      `,
        { sandbox: { mode, network: false, hide: [] } },
      );
      const trainBefore = readFileSync(path.join(dataset, "fineweb_train_000000.bin"));
      const out = await runner.run({ id: "exp-001", commit: head, seed: null });
      const trainAfter = readFileSync(path.join(dataset, "fineweb_train_000000.bin"));
      if (mode === "auto" && bwrapWorks) {
        expect(out.logText).toContain("refused");
        expect(trainAfter.equals(trainBefore)).toBe(true);
        expect(out.flags).toEqual([]);
      } else {
        expect(out.logText).toContain("wrote");
        expect(out.flags?.map((f) => f.code)).toEqual(["data_modified"]);
        expect(out.flags?.[0]?.message).toContain("fineweb_train_000000.bin changed");
      }
    },
  );

  it.each([["auto"], ["none"]] as const)(
    "keeps caddie's state out of the run's reach, or restores it and flags the run (sandbox %s)",
    async (mode) => {
      const { repo, forge } = await setup({ "train.js": "" });
      const store = new FileStore(path.join(repo.dir, ".caddie", "t"));
      await store.writeState({ counter: 4, experiments: {} });
      await store.writeNotes("# notes\n");
      await store.watch();
      const stateBefore = await readFile(store.stateFile, "utf8");
      const attack = `
        const fs = require("fs");
        for (const f of ["../../results.tsv", "../../state.json", "../../notes.md"]) {
          try { console.log("read " + f + ": " + fs.readFileSync(f, "utf8").length) } catch (e) { console.log("cannot read " + f) }
          try { fs.writeFileSync(f, "experiment\\tforged\\n"); console.log("wrote " + f) } catch (e) { console.log("cannot write " + f) }
        }
      `;
      await writeFile(path.join(repo.dir, "train.js"), attack);
      await repo.git.run(["commit", "-qam", "attack"]);
      const runner = new SubprocessRunner({
        runsDir: path.join(repo.dir, ".caddie", "t", "runs"),
        exportTree: (c, d) => forge.exportTree(c, d),
        command: [process.execPath, "train.js"],
        env: {},
        timeoutMs: 20_000,
        codeFiles: ["train.js"],
        modelFile: "m",
        sandbox: { mode, network: false, hide: [repo.dir] },
        guard: store.guard,
      });
      const out = await runner.run({
        id: "exp-001",
        commit: await repo.git.run(["rev-parse", "HEAD"]),
        seed: null,
      });
      // Whatever the run did, caddie's files hold caddie's bytes afterwards.
      expect(await readFile(store.stateFile, "utf8")).toBe(stateBefore);
      expect(await readFile(store.notesFile, "utf8")).toBe("# notes\n");
      expect(existsSync(store.ledgerFile)).toBe(false);
      if (mode === "auto" && bwrapWorks) {
        expect(out.logText).toContain("cannot read ../../state.json");
        expect(out.flags).toEqual([]);
      } else {
        expect(out.logText).toContain("wrote ../../state.json");
        expect(out.flags?.map((f) => f.code)).toEqual(["state_tampered"]);
        expect(out.flags?.[0]?.message).toMatch(/results\.tsv.*state\.json|state\.json.*results\.tsv/);
      }
    },
  );

  it("blocks the network by default under the sandbox", async () => {
    const server = createServer((socket) => {
      connections++;
      socket.end("hello");
    });
    let connections = 0;
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => new Promise((resolve) => server.close(() => resolve())));
    const port = (server.address() as { port: number }).port;
    const { runner, head } = await setup({
      "net.js": `
        const s = require("net").connect(${port}, "127.0.0.1");
        s.on("data", (d) => { console.log("got " + d); s.end(); });
        s.on("error", (e) => console.log("network error " + e.code));
      `,
    });
    const out = await runner.run({ id: "exp-001", commit: head, seed: null });
    const record = JSON.parse(await readFile(path.join(path.dirname(out.logPath), "run.json"), "utf8"));
    if (bwrapWorks) {
      expect(record.sandbox).toEqual({ mode: "bwrap", network: "blocked" });
      expect(out.logText).toContain("network error");
      expect(connections).toBe(0);
    } else {
      // Without bubblewrap nothing blocks the network, and the record says so.
      expect(record.sandbox).toEqual({ mode: "none", network: "open" });
    }
  });

  it("gives each slot's run only its GPUs, and every run of a course one writable compile cache", async () => {
    // Each run reports its GPUs and whether an earlier run left a compiled kernel in the cache.
    const src = [
      'const fs = require("fs"), path = require("path");',
      "const dir = process.env.TORCHINDUCTOR_CACHE_DIR;",
      "fs.mkdirSync(dir, { recursive: true });",
      'const kernel = path.join(dir, "kernel.py");',
      "const warm = fs.existsSync(kernel);",
      "fs.writeFileSync(kernel, process.env.RUN_ID);",
      "console.log(JSON.stringify({ gpus: process.env.CUDA_VISIBLE_DEVICES ?? null, dir, triton: process.env.TRITON_CACHE_DIR, warm }));",
    ].join("\n");
    const report = (out: { logText: string }) =>
      JSON.parse(out.logText.trim().split("\n").at(-1) ?? "{}") as {
        gpus: string | null;
        dir: string;
        triton: string;
        warm: boolean;
      };
    const shared = await setup({ "cache.js": src });
    const cacheDir = path.join(shared.repo.dir, ".caddie", "cache", "host");
    const runner = new SubprocessRunner({
      runsDir: path.join(shared.repo.dir, ".caddie", "t", "runs"),
      exportTree: (c, d) => shared.forge.exportTree(c, d),
      command: [process.execPath, "cache.js"],
      env: {},
      timeoutMs: 20_000,
      codeFiles: ["cache.js"],
      modelFile: "final_model.int8.ptz",
      sandbox: { mode: "auto", network: false, hide: [shared.repo.dir], cacheDir },
      callerEnv: { PATH: process.env.PATH },
    });
    const [a, b] = await Promise.all([
      runner.run({ id: "exp-001", commit: shared.head, seed: null, devices: ["0"] }),
      runner.run({ id: "exp-002", commit: shared.head, seed: null, devices: ["1", "2"] }),
    ]);
    expect([report(a).gpus, report(b).gpus]).toEqual(["0", "1,2"]);
    expect(report(a).dir).toBe(path.join(cacheDir, "torchinductor"));
    expect(report(a).triton).toBe(path.join(cacheDir, "triton"));
    const c = await runner.run({ id: "exp-003", commit: shared.head, seed: null });
    expect(report(c)).toMatchObject({ gpus: null, warm: true });

    // Without the cache every run compiles into its own folder, gone after it: never warm.
    const cold = await setup({ "cache.js": src });
    const first = await cold.runner.run({ id: "exp-001", commit: cold.head, seed: null });
    const second = await cold.runner.run({ id: "exp-002", commit: cold.head, seed: null });
    expect(report(first).dir.startsWith(path.dirname(first.logPath))).toBe(true);
    expect(report(second).warm).toBe(false);
    expect(existsSync(report(first).dir)).toBe(false);
  });
});
