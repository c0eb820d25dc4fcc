import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { readFileSync } from "node:fs";
import path from "node:path";
import { DEFAULT_CONFIG, parseConfig } from "../../src/core/config.ts";
import { UserError } from "../../src/core/user-error.ts";
import { repoRoot } from "../helpers/shared.ts";

describe("parseConfig", () => {
  it("returns every default for an empty or absent document", () => {
    expect(parseConfig(null)).toEqual(DEFAULT_CONFIG);
    expect(parseConfig({})).toEqual(DEFAULT_CONFIG);
  });

  it("reads snake_case keys into the typed config and keeps the target in the allow-list", () => {
    const config = parseConfig({
      target: "train.py",
      allow: ["helpers.py"],
      thresholds: { min_delta: 0.01, baseline_runs: 3 },
      tiers: { proxy: { runs_on: "gpu-box", env: { MAX_WALLCLOCK_SECONDS: 120 } } },
      search_space: { LR: [0.1, "0.2"] },
    });
    expect(config.allow).toEqual(["train.py", "helpers.py"]);
    expect(config.thresholds.minDelta).toBe(0.01);
    expect(config.thresholds.baselineRuns).toBe(3);
    expect(config.tiers.proxy.runsOn).toEqual(["gpu-box"]);
    expect(config.tiers.proxy.env).toEqual({ MAX_WALLCLOCK_SECONDS: "120" });
    expect(config.searchSpace).toEqual({ LR: ["0.1", "0.2"] });
  });

  it.each([
    [{ tiers: { proxy: { timeout_minutes: "ten" } } }, "'tiers.proxy.timeout_minutes' must be a number"],
    [{ allow: [".github/workflows/ci.yml"] }, "must be relative, inside the repository, and not a workflow"],
    [{ allow: [".github/caddie.yml"] }, "under .github/, which the agent may never change"],
    [{ target: "../outside.py" }, "must be relative"],
    [{ thresholds: { min_dleta: 1 } }, "unknown key 'thresholds.min_dleta'"],
    [{ metric_pattern: "([" }, "not a valid regular expression"],
    [{ search_space: { lr: [1] } }, "UPPER_CASE"],
    [{ tiers: { full: { train_seconds: 600, timeout_minutes: 5 } } }, "must exceed"],
    [{ budget: { total_usd: 10, reserve_usd: 50 } }, "cannot exceed"],
    [["a list"], "must be a YAML mapping"],
    [{ budget: 3 }, "'budget' must be a mapping"],
    [{ tiers: { full: { provider: "aws" } } }, "'tiers.full.provider' must be 'modal'"],
    [
      { tiers: { proxy: { env: { "BAD-NAME": 1 } } } },
      "'tiers.proxy.env.BAD-NAME' is not a valid variable name",
    ],
    [{ allow: ["ok.py", ""] }, "'allow.1' must be a non-empty string"],
  ])("rejects %j with a message naming the key", (doc, message) => {
    expect(() => parseConfig(doc)).toThrow(UserError);
    expect(() => parseConfig(doc)).toThrow(message);
  });

  it("reports every problem at once, one line per key path", () => {
    const doc = {
      tiers: { proxy: { timeout_minutes: "ten" }, full: { gpus: 1.5 } },
      thresholds: { min_dleta: 1 },
      dry_run: "yes",
    };
    expect(() => parseConfig(doc)).toThrow(UserError);
    let message = "";
    try {
      parseConfig(doc);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message.split("\n").sort()).toEqual([
      "config: 'dry_run' must be true or false",
      "config: 'tiers.full.gpus' must be a whole number",
      "config: 'tiers.proxy.timeout_minutes' must be a number",
      "config: unknown key 'thresholds.min_dleta' (known: min_delta, noise_k, baseline_runs, extra_seeds, rerun_incumbent_every, promote_gain)",
    ]);
  });

  it("treats a key written with no value (YAML null) as unset, and gives each parse its own defaults", () => {
    const config = parseConfig(parse("agent:\ntiers:\n  proxy:\n    env:\nsearch_space:\n"));
    expect(config).toEqual(DEFAULT_CONFIG);
    config.tiers.proxy.runsOn.push("mutated");
    expect(parseConfig({}).tiers.proxy.runsOn).toEqual(["self-hosted", "gpu"]);
  });

  it("reads how runs execute: sandbox, network, budget, data and retention", () => {
    expect(DEFAULT_CONFIG.tiers.proxy).toMatchObject({
      sandbox: "auto",
      network: false,
      budgetSeconds: null,
    });
    expect(DEFAULT_CONFIG.data).toEqual({ paths: ["data"], valPattern: "fineweb_val_*.bin" });
    expect(DEFAULT_CONFIG.retention.drop).toContain("*.pt");
    const config = parseConfig({
      tiers: { proxy: { sandbox: "none", network: true, budget_seconds: 60, overhead_seconds: 240 } },
      data: { paths: ["data", "tokenizers"], val_pattern: "val_*.bin" },
      retention: { drop: [] },
    });
    expect(config.tiers.proxy).toMatchObject({
      sandbox: "none",
      network: true,
      budgetSeconds: 60,
      overheadSeconds: 240,
    });
    expect(config.data).toEqual({ paths: ["data", "tokenizers"], valPattern: "val_*.bin" });
    expect(config.retention.drop).toEqual([]);
    expect(() => parseConfig({ tiers: { proxy: { sandbox: "off" } } })).toThrow(
      "'tiers.proxy.sandbox' must be auto or none",
    );
    expect(() => parseConfig({ data: { val_pattern: "sp/val_*.bin" } })).toThrow("without '/'");
    expect(() => parseConfig({ data: { paths: ["../elsewhere"] } })).toThrow("must be relative");
  });

  it("accepts the demo course's own config", () => {
    const text = readFileSync(path.join(repoRoot, "courses", "golf_mini", "caddie.yml"), "utf8");
    const config = parseConfig(parse(text));
    expect(Object.keys(config.searchSpace).length).toBeGreaterThan(3);
    expect(config.tiers.proxy.command[0]).toBe("${PYTHON}");
  });
});
