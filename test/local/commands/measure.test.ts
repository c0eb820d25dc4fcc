import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { UserError } from "../../../src/core/user-error.ts";
import type { CommandIO } from "../../../src/local/commands/command.ts";
import { measureCommand } from "../../../src/local/commands/measure.ts";

let dir = "";
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "caddie-measure-cmd-"));
  await writeFile(path.join(dir, "train_gpt.py"), "c".repeat(300));
  await writeFile(path.join(dir, "helper.py"), "h".repeat(20));
  await writeFile(path.join(dir, "final_model.int8.ptz"), Buffer.alloc(700, 1));
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

async function expectUserError(args: string[], message: RegExp): Promise<void> {
  const io = fakeIo();
  const error = await measureCommand.run(args, io).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UserError);
  expect((error as UserError).exitCode).toBe(2);
  expect((error as UserError).message).toMatch(message);
  expect(io.out).toEqual([]);
}

describe("caddie measure", () => {
  it("prints the gate as JSON and exits 0 within the limit, resolving paths against cwd", async () => {
    const io = fakeIo();
    const code = await measureCommand.run(
      ["--code", "train_gpt.py", "--model", "final_model.int8.ptz", "--json"],
      io,
    );
    expect(code).toBe(0);
    const printed = JSON.parse(io.out.join(""));
    expect(Object.keys(printed)).toEqual([
      "code_bytes",
      "model_bytes",
      "artifact_bytes",
      "limit",
      "ok",
      "log_artifact_bytes",
      "mismatch",
      "reason",
    ]);
    expect(printed).toMatchObject({
      code_bytes: 300,
      model_bytes: 700,
      artifact_bytes: 1000,
      limit: 16_000_000,
      ok: true,
      mismatch: false,
    });
  });

  it("exits 1 over the limit", async () => {
    const io = fakeIo();
    expect(
      await measureCommand.run(
        ["--code", "train_gpt.py", "--model", "final_model.int8.ptz", "--limit", "999", "--json"],
        io,
      ),
    ).toBe(1);
    expect(JSON.parse(io.out.join(""))).toMatchObject({ artifact_bytes: 1000, limit: 999, ok: false });
  });

  it("sums repeated --code files and reports a --log-bytes mismatch", async () => {
    const io = fakeIo();
    const args = [
      "--code",
      "train_gpt.py",
      "--code",
      "helper.py",
      "--model",
      "final_model.int8.ptz",
      "--log-bytes",
      "1000",
      "--json",
    ];
    expect(await measureCommand.run(args, io)).toBe(0);
    expect(JSON.parse(io.out.join(""))).toMatchObject({
      code_bytes: 320,
      artifact_bytes: 1020,
      log_artifact_bytes: 1000,
      mismatch: true,
    });
  });

  it("prints one human line without --json", async () => {
    const io = fakeIo();
    await measureCommand.run(
      ["--code", "train_gpt.py", "--model", "final_model.int8.ptz", "--limit", "999"],
      io,
    );
    expect(io.out.join("")).toBe(
      "over: Artifact 1,000 bytes (code 300 + model 700) is over the 999-byte limit by 1.\n",
    );
  });

  it("refuses bad input with a UserError (exit code 2) and prints nothing", async () => {
    await expectUserError(["--model", "final_model.int8.ptz"], /--code FILE is required/);
    await expectUserError(["--code", "train_gpt.py"], /--model FILE is required/);
    await expectUserError(
      ["--code", "train_gpt.py", "--model", "final_model.int8.ptz", "--limit", "0"],
      /--limit must be a positive/,
    );
    await expectUserError(
      ["--code", "train_gpt.py", "--model", "final_model.int8.ptz", "--limit", "16e6"],
      /--limit/,
    );
    await expectUserError(
      ["--code", "train_gpt.py", "--model", "final_model.int8.ptz", "--log-bytes", "-4"],
      /--log-bytes/,
    );
    await expectUserError(["--code", "missing.py", "--model", "final_model.int8.ptz"], /code file not found/);
    await expectUserError(["--code", "train_gpt.py", "--model", "final_model.int8.ptz", "--bogus"], /bogus/);
  });
});
