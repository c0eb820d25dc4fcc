import { describe, expect, it } from "vitest";
import { validateRunFile } from "../../src/github/validate-run-file.ts";

describe("validateRunFile", () => {
  it("accepts a well-formed record", () => {
    expect(
      validateRunFile({ exit_code: 0, timed_out: false, seconds: 301.5, model_bytes: 15_815_847 }),
    ).toEqual({ ok: true, run: { exitCode: 0, timedOut: false, seconds: 301.5, modelBytes: 15_815_847 } });
    expect(
      validateRunFile({ exit_code: null, timed_out: true, seconds: 900, model_bytes: null }),
    ).toMatchObject({ ok: true });
  });

  it.each([
    [[], "run.json must be a JSON object"],
    [
      { exit_code: 0, timed_out: false, seconds: 1, model_bytes: 1, extra: 1 },
      "run.json has unknown fields: extra",
    ],
    [{ exit_code: -1, timed_out: false, seconds: 1, model_bytes: 1 }, "exit_code"],
    [{ exit_code: 0, timed_out: "no", seconds: 1, model_bytes: 1 }, "timed_out"],
    [{ exit_code: 0, timed_out: false, seconds: Number.NaN, model_bytes: 1 }, "seconds"],
    [{ exit_code: 0, timed_out: false, seconds: 1, model_bytes: 1.5 }, "model_bytes"],
    [{ exit_code: 0, timed_out: false, seconds: 1, model_bytes: 1e12 }, "model_bytes"],
    [{ exit_code: 0, timed_out: false, seconds: 1, model_bytes: -5 }, "model_bytes must be a whole number"],
    [{ exit_code: 0, timed_out: false, seconds: 1, model_bytes: 1, val_bpb: -1 }, "val_bpb must be positive"],
    [
      { exit_code: 0, timed_out: false, seconds: 1, model_bytes: 1, val_bpb: "1.2" },
      "val_bpb must be a number",
    ],
    [{ exit_code: 0, timed_out: false, seconds: 1, model_bytes: 1, code_bytes: -3 }, "code_bytes"],
    [{ exit_code: 0, timed_out: false, seconds: 1, model_bytes: 1, artifact_bytes: 1.5 }, "artifact_bytes"],
  ])("refuses %j", (value, error) => {
    const result = validateRunFile(value);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toContain(error);
  });
});
