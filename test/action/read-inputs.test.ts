import { describe, expect, it } from "vitest";
import { readActionInputs, type RawActionInputs } from "../../src/action/read-inputs.ts";

const raw: RawActionInputs = {
  log: "train.log",
  code: ["train_gpt.py"],
  model: "final_model.int8.ptz",
  limit: "",
  tier: "",
  metricPattern: "",
  exitCode: "",
};

describe("readActionInputs", () => {
  it("fills the defaults: the 16,000,000-byte cap and the proxy tier", () => {
    expect(readActionInputs(raw)).toEqual({
      inputs: {
        log: "train.log",
        code: ["train_gpt.py"],
        model: "final_model.int8.ptz",
        limit: 16_000_000,
        tier: "proxy",
        metricPattern: null,
        exitCode: null,
      },
      errors: [],
    });
  });

  it.each(["0", "-5", "1e7", "0x10", "16MB", "1.5", "99999999999999999999"])(
    "refuses the limit %s",
    (limit) => {
      const { errors } = readActionInputs({ ...raw, limit });
      expect(errors).toEqual([`input 'limit' must be a positive whole number of bytes, got '${limit}'`]);
    },
  );

  it("reads the exit code, the tier and a metric pattern", () => {
    const { inputs, errors } = readActionInputs({
      ...raw,
      exitCode: "137",
      tier: "full",
      metricPattern: "val_bpb:(\\S+)",
    });
    expect(errors).toEqual([]);
    expect(inputs).toMatchObject({ exitCode: 137, tier: "full", metricPattern: "val_bpb:(\\S+)" });
  });

  it("refuses a broken regular expression and a non-numeric exit code", () => {
    const { errors } = readActionInputs({ ...raw, metricPattern: "val_bpb:(", exitCode: "failed" });
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatch(/^input 'metric-pattern' is not a valid regular expression/);
    expect(errors[1]).toBe(
      "input 'exit-code' must be a whole number (the training command's exit status), got 'failed'",
    );
  });

  it("drops blank lines from the code list", () => {
    expect(readActionInputs({ ...raw, code: ["", " a.py ", "", "b.py"] }).inputs.code).toEqual([
      "a.py",
      "b.py",
    ]);
  });
});
