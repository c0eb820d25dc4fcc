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
        score: { kind: "none" },
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

  it("reads the scoring step: score here from a fresh checkout, or read a score written elsewhere", () => {
    const here = readActionInputs({
      ...raw,
      scoreCode: "fresh",
      scoreTokens: "heldout.bin",
      scoreTokenizer: "sentencepiece:data/tokenizers/fineweb_1024_bpe.model",
      scoreEnv: ["NUM_LAYERS=9", ""],
      scoreMaxTokens: "65536",
    });
    expect(here.errors).toEqual([]);
    expect(here.inputs.score).toMatchObject({
      kind: "run",
      code: "fresh",
      tokens: "heldout.bin",
      maxTokens: 65536,
      env: { NUM_LAYERS: "9" },
      tolerance: 0.05,
    });
    expect(readActionInputs({ ...raw, scoreResult: "score.json" }).inputs.score).toEqual({
      kind: "file",
      path: "score.json",
      tolerance: 0.05,
    });
    const bad = readActionInputs({
      ...raw,
      scoreTokens: "h.bin",
      scoreTokenizer: "gpt2",
      scoreEnv: ["oops"],
    });
    expect(bad.errors).toEqual([
      "input 'score-code' is required with 'score-tokens': a fresh checkout of the commit",
      "input 'score-tokenizer' must be byte260 or sentencepiece:PATH, got 'gpt2'",
      "input 'score-env' lines must be NAME=VALUE, got 'oops'",
    ]);
  });
});
