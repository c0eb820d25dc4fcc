import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { run } from "../../src/action/main.ts";
import { parseOutputFile } from "./run-bundle.ts";

// run() reads the runner's protocol from process.env and sets process.exitCode: give each test its own.
let dir = "";
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "caddie-main-"));
  await writeFile(path.join(dir, "out"), "");
  await writeFile(path.join(dir, "summary.md"), "");
  vi.stubEnv("GITHUB_OUTPUT", path.join(dir, "out"));
  vi.stubEnv("GITHUB_STEP_SUMMARY", path.join(dir, "summary.md"));
  vi.stubEnv("RUNNER_TEMP", dir);
  vi.stubEnv("GITHUB_ACTION", "main-test");
  vi.spyOn(process.stdout, "write").mockImplementation(() => true);
});
afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

describe("run()", () => {
  it("measures a run in-process and returns what it wrote", async () => {
    await writeFile(path.join(dir, "train_gpt.py"), "print('hi')\n");
    await writeFile(path.join(dir, "m.ptz"), Buffer.alloc(1000, 1));
    await writeFile(
      path.join(dir, "run.log"),
      "step:50/50 val_loss:2.5000 val_bpb:1.4000 train_time:900ms step_avg:18.00ms\n" +
        "final_int8_zlib_roundtrip_exact val_loss:2.51000000 val_bpb:1.40500000\n",
    );
    vi.stubEnv("INPUT_LOG", path.join(dir, "run.log"));
    vi.stubEnv("INPUT_CODE", path.join(dir, "train_gpt.py"));
    vi.stubEnv("INPUT_MODEL", path.join(dir, "m.ptz"));
    vi.stubEnv("INPUT_LIMIT", "16000000");
    vi.stubEnv("INPUT_TIER", "proxy");
    // caddie's score of this model, as a scoring step elsewhere wrote it.
    await writeFile(
      path.join(dir, "score.json"),
      JSON.stringify({
        status: "verified",
        reason: null,
        val_bpb: 1.41,
        val_loss: 2.5,
        tokens: 4096,
        bytes: 4000,
        causality: { probes: 2, max_abs_diff: 0, ok: true },
        sandbox: "bwrap",
        network: "blocked",
        seconds: 3,
        load_seconds: 1,
      }),
    );
    vi.stubEnv("INPUT_SCORE-RESULT", path.join(dir, "score.json"));
    const result = await run();
    expect(result).toMatchObject({
      status: "ok",
      val_bpb: 1.41,
      claimed_val_bpb: 1.405,
      flags: [],
      score: { status: "verified", val_bpb: 1.41 },
      artifact: { artifact_bytes: 12 + 1000 },
    });
    expect(process.exitCode).toBeUndefined();
    const outputs = parseOutputFile(await readFile(path.join(dir, "out"), "utf8"));
    expect(outputs.status).toBe("ok");
    expect(JSON.parse(await readFile(outputs.result ?? "", "utf8"))).toEqual(result);
  });

  it("flags a run it could not score: never ok, the log's claim kept beside an empty score", async () => {
    await writeFile(path.join(dir, "train_gpt.py"), "print('hi')\n");
    await writeFile(path.join(dir, "m.ptz"), Buffer.alloc(1000, 1));
    await writeFile(path.join(dir, "run.log"), "final_int8_zlib_roundtrip_exact val_loss:2.5 val_bpb:1.4\n");
    vi.stubEnv("INPUT_LOG", path.join(dir, "run.log"));
    vi.stubEnv("INPUT_CODE", path.join(dir, "train_gpt.py"));
    vi.stubEnv("INPUT_MODEL", path.join(dir, "m.ptz"));
    const result = await run();
    expect(result).toMatchObject({ status: "flagged", val_bpb: null, claimed_val_bpb: 1.4, score: null });
    expect(result?.flags.map((f) => f.code)).toEqual(["unverified"]);
    expect(process.exitCode).toBe(1);
  });

  it("sets a failing exit code for an over-limit artifact without exiting", async () => {
    await writeFile(path.join(dir, "train_gpt.py"), "x".repeat(600));
    await writeFile(path.join(dir, "m.ptz"), Buffer.alloc(500, 1));
    await writeFile(path.join(dir, "run.log"), "final_int8_zlib_roundtrip_exact val_loss:2.5 val_bpb:1.4\n");
    vi.stubEnv("INPUT_LOG", path.join(dir, "run.log"));
    vi.stubEnv("INPUT_CODE", path.join(dir, "train_gpt.py"));
    vi.stubEnv("INPUT_MODEL", path.join(dir, "m.ptz"));
    vi.stubEnv("INPUT_LIMIT", "1000");
    const result = await run();
    expect(result?.status).toBe("over_limit");
    expect(result?.error).toBe(
      "Artifact 1,100 bytes (code 600 + model 500) is over the 1,000-byte limit by 100.",
    );
    expect(process.exitCode).toBe(1);
  });
});
