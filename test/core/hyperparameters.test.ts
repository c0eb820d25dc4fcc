import { describe, expect, it } from "vitest";
import { readHyperparameters, setHyperparameters } from "../../src/core/hyperparameters.ts";
import { UserError } from "../../src/core/user-error.ts";

const golfMini = `import os
# ---- settings ----
MODEL_DIM = int(os.environ.get("MODEL_DIM", 128))  # residual width
MATRIX_LR = float(os.environ.get("MATRIX_LR", 0.003))  # AdamW LR
DATA_PATH = str(os.environ.get("DATA_PATH", "./data/x"))  # shards
x = MODEL_DIM * 2
`;

// The shapes of openai/parameter-golf's class Hyperparameters (our own sample, same forms).
const rootScript = `class Hyperparameters:
    data_path = os.environ.get("DATA_PATH", "./data/datasets/fineweb10B_sp1024")
    train_batch_tokens = int(os.environ.get("TRAIN_BATCH_TOKENS", 524_288))
    num_layers = int(os.environ.get("NUM_LAYERS", 9))
    matrix_lr: float = float(os.environ.get("MATRIX_LR", 0.04))
    tie_embeddings = bool(int(os.environ.get("TIE_EMBEDDINGS", "1")))
    run_id = os.environ.get("RUN_ID", str(uuid.uuid4()))
`;

describe("readHyperparameters", () => {
  it('finds golf_mini\'s NAME = type(os.environ.get("NAME", default)) lines', () => {
    expect(readHyperparameters(golfMini)).toEqual([
      { name: "MODEL_DIM", variable: "MODEL_DIM", type: "int", value: "128" },
      { name: "MATRIX_LR", variable: "MATRIX_LR", type: "float", value: "0.003" },
      { name: "DATA_PATH", variable: "DATA_PATH", type: "str", value: "./data/x" },
    ]);
  });

  it("finds the root script's class attributes by their environment variable, typed by the outer conversion", () => {
    expect(readHyperparameters(rootScript)).toEqual([
      { name: "DATA_PATH", variable: "data_path", type: "str", value: "./data/datasets/fineweb10B_sp1024" },
      { name: "TRAIN_BATCH_TOKENS", variable: "train_batch_tokens", type: "int", value: "524288" },
      { name: "NUM_LAYERS", variable: "num_layers", type: "int", value: "9" },
      { name: "MATRIX_LR", variable: "matrix_lr", type: "float", value: "0.04" },
      { name: "TIE_EMBEDDINGS", variable: "tie_embeddings", type: "bool", value: "1" },
    ]);
  });
});

describe("setHyperparameters", () => {
  it("rewrites only the default literal, keeping the comment and every other line", () => {
    const out = setHyperparameters(golfMini, { MODEL_DIM: "192", MATRIX_LR: "0.005", DATA_PATH: "/d" });
    expect(out).toContain('MODEL_DIM = int(os.environ.get("MODEL_DIM", 192))  # residual width');
    expect(out).toContain('MATRIX_LR = float(os.environ.get("MATRIX_LR", 0.005))  # AdamW LR');
    expect(out).toContain('DATA_PATH = str(os.environ.get("DATA_PATH", "/d"))  # shards');
    expect(out.split("\n").length).toBe(golfMini.split("\n").length);
  });

  it("keeps the root script's quoting and indentation", () => {
    const out = setHyperparameters(rootScript, {
      NUM_LAYERS: "11",
      TIE_EMBEDDINGS: "0",
      TRAIN_BATCH_TOKENS: "262144",
    });
    expect(out).toContain('    num_layers = int(os.environ.get("NUM_LAYERS", 11))');
    expect(out).toContain('    tie_embeddings = bool(int(os.environ.get("TIE_EMBEDDINGS", "0")))');
    expect(out).toContain('    train_batch_tokens = int(os.environ.get("TRAIN_BATCH_TOKENS", 262144))');
    expect(readHyperparameters(out).find((h) => h.name === "NUM_LAYERS")?.value).toBe("11");
  });

  it("refuses names the script does not declare and values of the wrong type", () => {
    expect(() => setHyperparameters(golfMini, { NOPE: "1" })).toThrow(UserError);
    expect(() => setHyperparameters(golfMini, { MODEL_DIM: "1.5" })).toThrow(/not an integer/);
    expect(() => setHyperparameters(golfMini, { MATRIX_LR: "fast" })).toThrow(/not a number/);
    expect(() => setHyperparameters(golfMini, { DATA_PATH: 'a"b' })).toThrow(/cannot be written/);
    expect(() => setHyperparameters(rootScript, { TIE_EMBEDDINGS: "yes" })).toThrow(/not a bool/);
  });
});
