import { afterEach, describe, expect, it } from "vitest";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { SubprocessRunner } from "../../src/local/subprocess-runner.ts";
import { GitForge } from "../../src/local/git-forge.ts";
import { tempRepo } from "../helpers/temp-repo.ts";

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
  console.log("step:1/2 train_loss:1.0 train_time:5ms step_avg:5ms");
  process.stdout.write("final_int8_zlib_roundtrip_exact val_loss:1.00000000 val_bpb:" + process.env.SEED);
}
`;

async function setup(mode: string, timeoutMs = 20_000) {
  const repo = await tempRepo({ "train.js": script });
  cleanups.push(repo.cleanup);
  const forge = await GitForge.open(repo.dir, "t");
  const runs = await mkdtemp(path.join(tmpdir(), "caddie-runs-"));
  cleanups.push(() => rm(runs, { recursive: true, force: true }));
  const runner = new SubprocessRunner({
    runsDir: runs,
    exportTree: (c, d) => forge.exportTree(c, d),
    command: ["${NODE}", "train.js"],
    env: { MODE: "${RUN_MODE}" },
    variables: { NODE: process.execPath, RUN_MODE: mode },
    timeoutMs,
    codeFiles: ["train.js"],
    modelFile: "final_model.int8.ptz",
    killGraceMs: 200,
  });
  return { runner, head: await forge.lineHead() };
}

describe("SubprocessRunner", () => {
  it("runs the commit in its own folder, streams lines, and counts code and model bytes itself", async () => {
    const { runner, head } = await setup("ok");
    const lines: string[] = [];
    const out = await runner.run({ id: "exp-001", commit: head, seed: 7, onLine: (l) => lines.push(l) });
    expect(out.exitCode).toBe(0);
    expect(out.timedOut).toBe(false);
    expect(out.modelBytes).toBe(1234);
    expect(out.codeBytes).toBe(Buffer.byteLength(script));
    expect(out.logText).toContain("val_bpb:7");
    expect(lines).toContain("step:1/2 train_loss:1.0 train_time:5ms step_avg:5ms");
    expect(lines.at(-1)).toContain("val_bpb:7"); // a last line without a newline still arrives
    expect(out.logPath).toMatch(/exp-001-s7[\\/]run\.log$/);
  });

  it("links the repository's untracked data folder into the run folder", async () => {
    const repo = await tempRepo({
      "read.js": 'console.log(require("fs").readFileSync("data/shard.txt", "utf8"))',
    });
    cleanups.push(repo.cleanup);
    await mkdir(path.join(repo.dir, "data"));
    await writeFile(path.join(repo.dir, "data", "shard.txt"), "tokens-from-data");
    const forge = await GitForge.open(repo.dir, "t");
    const runs = await mkdtemp(path.join(tmpdir(), "caddie-runs-"));
    cleanups.push(() => rm(runs, { recursive: true, force: true }));
    const runner = new SubprocessRunner({
      runsDir: runs,
      exportTree: (c, d) => forge.exportTree(c, d),
      command: [process.execPath, "read.js"],
      env: {},
      timeoutMs: 10_000,
      codeFiles: ["read.js"],
      modelFile: "m",
      links: { from: repo.dir, names: ["data", "missing"] },
    });
    const out = await runner.run({ id: "exp-005", commit: await forge.lineHead(), seed: null });
    expect(out.exitCode).toBe(0);
    expect(out.logText).toContain("tokens-from-data");
  });

  it("records a non-zero exit code and the absence of a model file", async () => {
    const { runner, head } = await setup("fail");
    const out = await runner.run({ id: "exp-002", commit: head, seed: null });
    expect(out.exitCode).toBe(3);
    expect(out.modelBytes).toBeNull();
    expect(out.logText).toContain("ValueError: bad heads");
  });

  it("kills the whole process group at the timeout, even children that ignore SIGTERM", async () => {
    const { runner, head } = await setup("hang", 800);
    const started = Date.now();
    const out = await runner.run({ id: "exp-003", commit: head, seed: null });
    expect(out.timedOut).toBe(true);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("stops the run when the caller aborts (Ctrl-C)", async () => {
    const { runner, head } = await setup("hang");
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const out = await runner.run({ id: "exp-004", commit: head, seed: null, signal: controller.signal });
    expect(out.timedOut).toBe(false);
    expect(out.exitCode).not.toBe(0);
  });

  it("reports a command that cannot start as a failed run, not an exception", async () => {
    const repo = await tempRepo({ "x.py": "" });
    cleanups.push(repo.cleanup);
    const forge = await GitForge.open(repo.dir, "t");
    const runs = await mkdtemp(path.join(tmpdir(), "caddie-runs-"));
    cleanups.push(() => rm(runs, { recursive: true, force: true }));
    const runner = new SubprocessRunner({
      runsDir: runs,
      exportTree: (c, d) => forge.exportTree(c, d),
      command: ["/nonexistent/python"],
      env: {},
      timeoutMs: 5000,
      codeFiles: ["x.py"],
      modelFile: "m",
    });
    const out = await runner.run({ id: "e", commit: await forge.lineHead(), seed: null });
    expect(out.exitCode).toBeNull();
    expect(out.logText).toMatch(/could not start/);
  });
});
