import { describe, expect, it } from "vitest";
import { readHyperparameters, setHyperparameters } from "../../src/agent/hyperparameters.ts";
import { UserError } from "../../src/core/user-error.ts";

const source = `import os
# ---- settings ----
MODEL_DIM = int(os.environ.get("MODEL_DIM", 128))  # residual width
MATRIX_LR = float(os.environ.get("MATRIX_LR", 0.003))  # AdamW LR
DATA_PATH = str(os.environ.get("DATA_PATH", "./data/x"))  # shards
TIE = bool(os.environ.get("TIE", True))
    NESTED = int(os.environ.get("NESTED", 2))
OTHER = int(os.environ.get("NOT_OTHER", 3))
x = MODEL_DIM * 2
`;

describe("readHyperparameters", () => {
  it('finds every NAME = type(os.environ.get("NAME", default)) line with its default', () => {
    expect(readHyperparameters(source)).toEqual([
      { name: "MODEL_DIM", type: "int", value: "128" },
      { name: "MATRIX_LR", type: "float", value: "0.003" },
      { name: "DATA_PATH", type: "str", value: "./data/x" },
      { name: "TIE", type: "bool", value: "True" },
      { name: "NESTED", type: "int", value: "2" },
    ]);
  });
});

describe("setHyperparameters", () => {
  it("rewrites only the default literal, keeping the comment and every other line", () => {
    const out = setHyperparameters(source, { MODEL_DIM: "192", MATRIX_LR: "0.005", DATA_PATH: "/d" });
    expect(out).toContain('MODEL_DIM = int(os.environ.get("MODEL_DIM", 192))  # residual width');
    expect(out).toContain('MATRIX_LR = float(os.environ.get("MATRIX_LR", 0.005))  # AdamW LR');
    expect(out).toContain('DATA_PATH = str(os.environ.get("DATA_PATH", "/d"))  # shards');
    expect(out.split("\n").length).toBe(source.split("\n").length);
    expect(readHyperparameters(out).find((h) => h.name === "MODEL_DIM")?.value).toBe("192");
  });

  it("refuses names the script does not declare and values of the wrong type", () => {
    expect(() => setHyperparameters(source, { NOPE: "1" })).toThrow(UserError);
    expect(() => setHyperparameters(source, { MODEL_DIM: "1.5" })).toThrow(/not an integer/);
    expect(() => setHyperparameters(source, { MATRIX_LR: "fast" })).toThrow(/not a number/);
    expect(() => setHyperparameters(source, { DATA_PATH: 'a"b' })).toThrow(/cannot be written/);
  });
});
