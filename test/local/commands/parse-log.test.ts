import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { UserError } from "../../../src/core/user-error.ts";
import type { CommandIO } from "../../../src/local/commands/command.ts";
import { parseLogCommand } from "../../../src/local/commands/parse-log.ts";
import { logSources } from "../../helpers/sample-logs.ts";

const SUMMARY_KEYS = [
  "status",
  "val_bpb",
  "val_loss",
  "metric",
  "artifact_bytes",
  "model_params",
  "steps",
  "train_time_ms",
  "peak_memory_mib",
  "stopping_early",
  "error",
];

/** A short log of our own in the root script's format. */
const ownLog = [
  "model_params:1234",
  "step:10/100 train_loss:3.5000 train_time:1000ms step_avg:100.00ms",
  "step:10/100 val_loss:3.4000 val_bpb:2.0000 train_time:1001ms step_avg:100.10ms",
  "Total submission size: 99999 bytes",
  "Total submission size int8+zlib: 5555 bytes",
  "final_int8_zlib_roundtrip_exact val_loss:3.45678901 val_bpb:2.01234567",
  "",
].join("\n");

let dir = "";
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "caddie-parse-log-"));
  await writeFile(path.join(dir, "run.log"), ownLog);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function fakeIo(): CommandIO & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    cwd: dir,
    env: {},
    signal: new AbortController().signal,
    out,
    err,
  };
}

async function runJson(args: string[]): Promise<Record<string, unknown>> {
  const io = fakeIo();
  expect(await parseLogCommand.run([...args, "--json"], io)).toBe(0);
  expect(io.err).toEqual([]);
  return JSON.parse(io.out.join("")) as Record<string, unknown>;
}

async function rejection(args: string[]): Promise<UserError> {
  const io = fakeIo();
  const error = await parseLogCommand.run(args, io).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UserError);
  expect(io.out).toEqual([]);
  return error as UserError;
}

describe("caddie parse-log", () => {
  it("prints one JSON object with exactly the summary's keys, the path read against cwd", async () => {
    const printed = await runJson(["run.log"]);
    expect(Object.keys(printed)).toEqual(SUMMARY_KEYS);
    expect(printed).toEqual({
      status: "ok",
      val_bpb: 2.01234567,
      val_loss: 3.45678901,
      metric: "final_int8_zlib_roundtrip_exact",
      artifact_bytes: 5555,
      model_params: 1234,
      steps: 10,
      train_time_ms: 1001,
      peak_memory_mib: null,
      stopping_early: false,
      error: null,
    });
  });

  it("reports a non-zero --exit-code as a crash and still exits 0", async () => {
    const printed = await runJson(["run.log", "--exit-code", "1"]);
    expect(printed).toMatchObject({ status: "crash", val_bpb: null, artifact_bytes: 5555 });
    expect(printed["error"]).toBe(
      "process exited with code 1 (after printing final_int8_zlib_roundtrip_exact val_bpb 2.01234567)",
    );
  });

  it("applies --metric-pattern", async () => {
    const printed = await runJson([
      "run.log",
      "--metric-pattern",
      "^step:\\d+/\\d+ val_loss:\\S+ val_bpb:(\\S+)",
    ]);
    expect(printed).toMatchObject({ status: "ok", val_bpb: 2, val_loss: 3.4, metric: "step" });
  });

  it("prints a short human summary without --json", async () => {
    const io = fakeIo();
    expect(await parseLogCommand.run([path.join(dir, "run.log")], io)).toBe(0);
    expect(io.out.join("")).toBe(
      "ok: val_bpb 2.01234567 (final_int8_zlib_roundtrip_exact), val_loss 3.45678901\n" +
        "artifact 5,555 bytes (from the log), 10 steps, train time 1.0 s, 1,234 parameters\n",
    );
  });

  it("refuses a missing log", async () => {
    const error = await rejection(["nope.log", "--json"]);
    expect(error.message).toBe("log file not found: nope.log");
    expect(error.exitCode).toBe(2);
  });

  it("refuses an empty or whitespace-only log", async () => {
    await writeFile(path.join(dir, "empty.log"), "");
    expect((await rejection(["empty.log"])).message).toMatch(/log file is empty: empty\.log/);
    await writeFile(path.join(dir, "blank.log"), " \n\n\t\n");
    expect((await rejection(["blank.log"])).message).toMatch(/log file is empty: blank\.log/);
  });

  it("refuses a binary file, with NUL bytes or not UTF-8", async () => {
    await writeFile(path.join(dir, "model.ptz"), Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00, 0x08]));
    expect((await rejection(["model.ptz"])).message).toBe(
      "model.ptz is not a text log (it contains NUL bytes)",
    );
    await writeFile(
      path.join(dir, "latin.bin"),
      Buffer.from(Array.from({ length: 400 }, (_, i) => 0x80 + (i % 64))),
    );
    expect((await rejection(["latin.bin"])).message).toBe(
      "latin.bin is not a text log (it is not UTF-8 text)",
    );
  });

  it("refuses a directory, a bad --exit-code, a wrong number of files and unknown flags", async () => {
    expect((await rejection(["."])).message).toMatch(/is a directory/);
    expect((await rejection(["run.log", "--exit-code", "one"])).message).toMatch(
      /--exit-code must be a whole number/,
    );
    expect((await rejection([])).message).toMatch(/expected one log file, got 0/);
    expect((await rejection(["run.log", "other.log"])).message).toMatch(/expected one log file, got 2/);
    expect((await rejection(["run.log", "--verbose"])).message).toMatch(/verbose/);
    expect((await rejection(["run.log", "--metric-pattern", "(["])).message).toMatch(
      /not a valid regular expression/,
    );
  });
});

describe.each(logSources)("caddie parse-log on $name", (source) => {
  const logs = source.path;

  it("reads the baseline record's score and artifact", async () => {
    expect(await runJson([logs("full-baseline")])).toMatchObject({
      status: "ok",
      val_bpb: 1.2243657,
      artifact_bytes: 15863489,
      steps: 13780,
    });
  });

  it("reports the crash log as a crash with its error line and exits 0", async () => {
    expect(await runJson([logs("crash-bad-heads"), "--exit-code", "1"])).toMatchObject({
      status: "crash",
      val_bpb: null,
      error: "ValueError: model_dim must be divisible by num_heads",
    });
  });

  it("prints the crash's error line in the human summary", async () => {
    const io = fakeIo();
    expect(await parseLogCommand.run([logs("crash-bad-heads")], io)).toBe(0);
    expect(io.out.join("")).toBe("crash: ValueError: model_dim must be divisible by num_heads\n");
  });
});
