import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { deriveSearchSpace, neighbours } from "../../src/core/derive-search-space.ts";
import { readHyperparameters, setHyperparameters } from "../../src/core/hyperparameters.ts";
import { fixture, hasShared, repoRoot, sharedMissing } from "../helpers/shared.ts";

describe("neighbours", () => {
  it.each([
    [{ name: "MATRIX_LR", type: "float", value: "0.04" }, ["0.02", "0.03", "0.04", "0.06", "0.08"]],
    [{ name: "BETA2", type: "float", value: "0.95" }, ["0.9", "0.925", "0.95", "0.9625", "0.975"]],
    [{ name: "MODEL_DIM", type: "int", value: "512" }, ["256", "384", "512", "768", "1024"]],
    [{ name: "NUM_HEADS", type: "int", value: "8" }, ["4", "8", "16"]],
    [{ name: "NUM_LAYERS", type: "int", value: "9" }, ["7", "8", "9", "10", "11"]],
    [{ name: "WARMDOWN_ITERS", type: "int", value: "1200" }, ["600", "900", "1200", "1800", "2400"]],
    [{ name: "MUON_MOMENTUM_WARMUP_STEPS", type: "int", value: "500" }, ["250", "375", "500", "750", "1000"]],
    [{ name: "LAYERS", type: "int", value: "1" }, ["1", "2"]],
    [{ name: "TIE_EMBEDDINGS", type: "bool", value: "1" }, ["0", "1"]],
    [{ name: "USE_X", type: "bool", value: "False" }, ["False", "True"]],
    [{ name: "WEIGHT_DECAY", type: "float", value: "0.0" }, []],
    [{ name: "OPTIMIZER", type: "str", value: "muon" }, []],
  ] as const)("%j -> %j", (setting, values) => {
    expect(neighbours(setting)).toEqual(values);
  });
});

/** Every derived name is a setting of the script, holds its default, and the sweep can write each value. */
function expectUsable(source: string): Record<string, string[]> {
  const space = deriveSearchSpace(source);
  const defaults = new Map(readHyperparameters(source).map((h) => [h.name, h.value]));
  for (const [name, values] of Object.entries(space)) {
    expect(values.map(Number), name).toContain(Number(defaults.get(name)));
    for (const value of values)
      expect(() => setHyperparameters(source, { [name]: value }), name).not.toThrow();
  }
  return space;
}

describe("deriveSearchSpace", () => {
  it("reads golf_mini's settings and leaves out paths, seeds, the budget and the evaluation", () => {
    const space = expectUsable(
      readFileSync(path.join(repoRoot, "python", "golf_mini", "train_gpt.py"), "utf8"),
    );
    expect(Object.keys(space)).toEqual([
      "MODEL_DIM",
      "NUM_LAYERS",
      "NUM_HEADS",
      "MLP_MULT",
      "TRAIN_SEQ_LEN",
      "TRAIN_BATCH_TOKENS",
      "WARMUP_ITERS",
      "WARMDOWN_ITERS",
      "MATRIX_LR",
      "EMBED_LR",
      "BETA1",
      "BETA2",
      "GRAD_CLIP_NORM",
    ]);
  });

  it("reads the fork-shaped script's class Hyperparameters", () => {
    const space = expectUsable(
      readFileSync(path.join(repoRoot, "test", "data", "fork", "train_gpt.py"), "utf8"),
    );
    expect(Object.keys(space)).not.toContain("DATA_PATH");
    expect(space.MUON_MOMENTUM).toBeDefined();
  });

  it.skipIf(!hasShared)(
    `reads openai/parameter-golf's root train_gpt.py (${hasShared ? "present" : sharedMissing})`,
    () => {
      const space = expectUsable(readFileSync(fixture("parameter-golf", "scripts", "train_gpt.py"), "utf8"));
      expect(Object.keys(space).length).toBeGreaterThan(20);
      for (const name of [
        "DATA_PATH",
        "TOKENIZER_PATH",
        "RUN_ID",
        "SEED",
        "ITERATIONS",
        "MAX_WALLCLOCK_SECONDS",
        "VOCAB_SIZE",
        "VAL_BATCH_SIZE",
        "VAL_LOSS_EVERY",
      ])
        expect(space[name], name).toBeUndefined();
    },
  );
});
