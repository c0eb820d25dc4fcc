import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { spawnSync } from "node:child_process";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { logSources } from "../helpers/sample-logs.ts";
import { repoRoot } from "../helpers/shared.ts";
import { bundlePath, runBundle } from "./run-bundle.ts";

/** A working dir holding a code file and a model file of the given sizes. */
async function files(codeBytes: number, modelBytes: number | null): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "caddie-action-"));
  await writeFile(path.join(dir, "train_gpt.py"), "#".repeat(codeBytes));
  if (modelBytes !== null)
    await writeFile(path.join(dir, "final_model.int8.ptz"), Buffer.alloc(modelBytes, 7));
  return dir;
}

/** caddie's score of the model, as a scoring step elsewhere writes it (a file the action reads). */
async function scoreFile(dir: string, valBpb: number): Promise<string> {
  const file = path.join(dir, "score.json");
  await writeFile(
    file,
    JSON.stringify({
      status: "verified",
      reason: null,
      val_bpb: valBpb,
      val_loss: 2,
      tokens: 1_000_000,
      bytes: 2_400_000,
      causality: { probes: 4, max_abs_diff: 0, ok: true },
      sandbox: "bwrap",
      network: "blocked",
      seconds: 12,
      load_seconds: 3,
    }),
  );
  return file;
}

describe.each(logSources)("the action bundle on $name", (source) => {
  const log = source.path;
  const BASELINE = "full-baseline";
  it("measures the baseline record: outputs, result JSON and a summary table, exit 0", async () => {
    // The baseline's own sizes: code 47,642 + model 15,815,847 = 15,863,489 bytes.
    const cwd = await files(47_642, 15_815_847);
    const r = await runBundle(
      {
        log: log(BASELINE),
        code: "train_gpt.py",
        model: "final_model.int8.ptz",
        tier: "full",
        limit: "16000000",
        "score-result": await scoreFile(cwd, 1.2251),
      },
      { cwd },
    );
    expect(r.code).toBe(0);
    expect(r.outputs).toEqual({
      val_bpb: "1.2251",
      claimed_val_bpb: "1.2243657",
      flags: "",
      artifact_bytes: "15863489",
      status: "ok",
      result: path.join(cwd, "runner_temp", "caddie", "measure.json"),
    });
    expect(r.result).toMatchObject({
      version: 1,
      status: "ok",
      tier: "full",
      error: null,
      val_loss: 2.07269931,
      steps: 13780,
      train_time_ms: 600038,
      peak_memory_mib: 10184,
      artifact: {
        code_bytes: 47642,
        model_bytes: 15815847,
        artifact_bytes: 15863489,
        ok: true,
        mismatch: false,
      },
    });
    expect(r.summary).toContain("### caddie: full tier, ok");
    expect(r.summary).toContain("| Total vs cap | 15,863,489 / 16,000,000 bytes (136,511 to spare) |");
    expect(r.summary).toContain("| Steps | 13,780 (stopped at the wall-clock cap) |");
    expect(r.summary).toContain("| Train time | 600.0 s |");
    expect(r.summary).toContain("| Peak memory | 10,184 MiB |");
    expect(r.stdout).not.toContain("::error");
  });

  it("reports a crash with the log's error line, an annotation and exit 1, and still writes the result", async () => {
    const cwd = await files(47_686, null);
    const r = await runBundle(
      {
        log: log("crash-bad-heads"),
        code: "train_gpt.py",
        model: "final_model.int8.ptz",
        "exit-code": "1",
      },
      { cwd },
    );
    expect(r.code).toBe(1);
    expect(r.outputs.status).toBe("crash");
    expect(r.outputs.val_bpb).toBe("");
    expect(r.outputs.artifact_bytes).toBe("");
    expect(String(r.result?.error)).toMatch(/ValueError/);
    expect(r.stdout).toMatch(/^::error title=caddie%3A run crashed::.*ValueError/m);
    expect(r.summary).toContain("### caddie: proxy tier, crash");
  });

  it("fails the gate over the limit with status over_limit", async () => {
    const cwd = await files(47_642, 15_815_847);
    const r = await runBundle(
      {
        log: log(BASELINE),
        code: "train_gpt.py",
        model: "final_model.int8.ptz",
        limit: "15000000",
        "score-result": await scoreFile(cwd, 1.2251),
      },
      { cwd },
    );
    expect(r.code).toBe(1);
    expect(r.outputs.status).toBe("over_limit");
    expect(r.outputs.val_bpb).toBe("1.2251");
    expect(r.stdout).toMatch(
      /^::error title=caddie%3A artifact over the limit::Artifact 15,863,489 bytes .* over the 15,000,000-byte limit by 863,489/m,
    );
    expect(r.summary).toContain("15,863,489 / 15,000,000 bytes (863,489 over)");
  });

  it("counts the bytes on disk and flags a log whose size line disagrees", async () => {
    const cwd = await files(47_642, 15_000_000);
    const r = await runBundle(
      {
        log: log(BASELINE),
        code: "train_gpt.py",
        model: "final_model.int8.ptz",
        "score-result": await scoreFile(cwd, 1.2251),
      },
      { cwd },
    );
    expect(r.code).toBe(1);
    expect(r.outputs.status).toBe("flagged");
    expect(r.outputs.flags).toBe("size_mismatch");
    expect(r.outputs.artifact_bytes).toBe("15047642");
    expect(r.stdout).toMatch(
      /^::warning title=caddie%3A the log's size line disagrees::.*the log claims 15,863,489 bytes/m,
    );
    expect(r.summary).toContain("**Note:** the log claims 15,863,489 bytes");
  });

  it("treats a log without a score as a crash", async () => {
    const cwd = await files(100, 100);
    const text = await readFile(log(BASELINE), "utf8");
    await writeFile(path.join(cwd, "cut.log"), text.slice(0, text.indexOf("step:200/20000")));
    const r = await runBundle(
      { log: "cut.log", code: "train_gpt.py", model: "final_model.int8.ptz" },
      { cwd },
    );
    expect(r.code).toBe(1);
    expect(r.outputs.status).toBe("crash");
    expect(String(r.result?.error)).toContain("no final val_bpb line");
  });

  it("honours metric-pattern and sums several code files", async () => {
    const cwd = await files(15_000, 15_970_000);
    await writeFile(path.join(cwd, "helper.py"), "x".repeat(516));
    const r = await runBundle(
      {
        log: log("record-brotli"),
        code: "train_gpt.py\nhelper.py\n",
        model: "final_model.int8.ptz",
        "metric-pattern": "^quantized val_loss:\\S+ val_bpb:(\\S+)",
        "score-result": await scoreFile(cwd, 1.1),
      },
      { cwd },
    );
    // These made-up file sizes are not the record's, so its size line disagrees; nothing else does.
    expect(r.outputs.flags).toBe("size_mismatch");
    expect(r.outputs.artifact_bytes).toBe(String(15_000 + 516 + 15_970_000));
    const plain = await runBundle(
      {
        log: log("record-brotli"),
        code: "train_gpt.py",
        model: "final_model.int8.ptz",
      },
      { cwd },
    );
    expect(plain.outputs.claimed_val_bpb).toBe("1.08664424");
    expect(r.outputs.claimed_val_bpb).not.toBe(plain.outputs.claimed_val_bpb);
  });
});

describe("the action bundle on bad input", () => {
  it("reports a missing log as a crash and still writes the result JSON", async () => {
    const cwd = await files(10, 10);
    const r = await runBundle(
      { log: "nope.log", code: "train_gpt.py", model: "final_model.int8.ptz" },
      { cwd },
    );
    expect(r.code).toBe(1);
    expect(r.outputs.status).toBe("crash");
    expect(r.result).toMatchObject({
      status: "crash",
      error: "log file not found: nope.log",
      artifact: null,
    });
    expect(r.stdout).toContain("::error title=caddie%3A run crashed::log file not found: nope.log");
  });

  it("lists every bad input at once", async () => {
    const cwd = await files(10, 10);
    const r = await runBundle(
      { log: "", code: "", model: "final_model.int8.ptz", limit: "16MB", tier: "huge" },
      { cwd },
    );
    expect(r.code).toBe(1);
    expect(r.outputs.status).toBe("crash");
    expect(r.result?.error).toBe(
      "input 'log' is required: the path of the training log; " +
        "input 'code' is required: the counted code file(s), one path per line; " +
        "input 'limit' must be a positive whole number of bytes, got '16MB'; " +
        "input 'tier' must be 'proxy' or 'full', got 'huge'",
    );
  });

  it.each([
    ["an empty model file", { model: "empty.ptz" }, /model file is empty: empty\.ptz/],
    ["a missing model file", { model: "missing.ptz" }, /model file not found: .*missing\.ptz/],
    [
      "a code path that does not exist",
      { code: "train_gpt.py\nlib/missing.py" },
      /code file not found: .*lib\/missing\.py/,
    ],
  ])("reports %s as a crash", async (_, override, message) => {
    const cwd = await files(10, 10);
    await writeFile(path.join(cwd, "empty.ptz"), "");
    await writeFile(path.join(cwd, "ok.log"), "final_int8_zlib_roundtrip_exact val_loss:2.0 val_bpb:1.2\n");
    const r = await runBundle(
      { log: "ok.log", code: "train_gpt.py", model: "final_model.int8.ptz", ...override },
      { cwd },
    );
    expect(r.code).toBe(1);
    expect(r.outputs.status).toBe("crash");
    expect(String(r.result?.error)).toMatch(message);
  });
});

describe("dist/", () => {
  it("is the bundle the current sources build (run `node scripts/build-action.mjs` when this fails)", async () => {
    const outdir = await mkdtemp(path.join(os.tmpdir(), "caddie-dist-"));
    const built = spawnSync(
      process.execPath,
      [path.join(repoRoot, "scripts", "build-action.mjs"), "--outdir", outdir],
      {
        cwd: repoRoot,
        encoding: "utf8",
      },
    );
    expect(built.status, built.stderr).toBe(0);
    for (const name of ["index.js", "package.json"]) {
      const fresh = await readFile(path.join(outdir, name));
      const committed = await readFile(path.join(path.dirname(bundlePath), name));
      expect(committed.equals(fresh), `dist/${name} is stale`).toBe(true);
    }
  });
});
