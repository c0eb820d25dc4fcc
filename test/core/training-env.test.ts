import { describe, expect, it } from "vitest";
import { isSecretName, trainingEnv } from "../../src/core/training-env.ts";
import { UserError } from "../../src/core/user-error.ts";

// Token-shaped values are built at run time: no credential-looking literal lives in the repository.
const fakeKey = ["sk", "ant", "api03", "x".repeat(24)].join("-");

const caller = {
  PATH: "/usr/bin:/bin",
  LANG: "C.UTF-8",
  LC_ALL: "C",
  CUDA_VISIBLE_DEVICES: "0",
  NCCL_DEBUG: "WARN",
  ANTHROPIC_API_KEY: fakeKey,
  MODAL_TOKEN_ID: "ak-" + "y".repeat(20),
  GITHUB_TOKEN: "gh" + "p_" + "z".repeat(30),
  CADDIE_SHARED_DIR: "/somewhere",
  HOME: "/root",
  SOME_RANDOM_SETTING: "1",
};

describe("trainingEnv", () => {
  it("passes only the base list, the tier's env and caddie's own values", () => {
    const { env } = trainingEnv({
      callerEnv: caller,
      variables: { PYTHON: "/venv/python", CADDIE_DATA: "/data" },
      tierEnv: { DATA_PATH: "${CADDIE_DATA}", MAX_WALLCLOCK_SECONDS: "20", GPUS: "${CUDA_VISIBLE_DEVICES}" },
      fixed: { HOME: "/run/home", RUN_ID: "exp-001" },
    });
    expect(env).toEqual({
      PATH: "/usr/bin:/bin",
      LANG: "C.UTF-8",
      LC_ALL: "C",
      CUDA_VISIBLE_DEVICES: "0",
      NCCL_DEBUG: "WARN",
      DATA_PATH: "/data",
      MAX_WALLCLOCK_SECONDS: "20",
      GPUS: "0",
      HOME: "/run/home",
      RUN_ID: "exp-001",
    });
    expect(JSON.stringify(env)).not.toContain(fakeKey);
  });

  it("expands argv with the same variables", () => {
    const { expand } = trainingEnv({
      callerEnv: caller,
      variables: { PYTHON: "/venv/python" },
      tierEnv: {},
      fixed: {},
    });
    expect(expand("${PYTHON}")).toBe("/venv/python");
    expect(expand("--nproc=${UNSET_THING}")).toBe("--nproc=");
  });

  it.each([
    [{ ANTHROPIC_API_KEY: "x" }, "looks like a credential"],
    [{ WANDB_API_KEY: "x" }, "looks like a credential"],
    [{ HF_TOKEN: "x" }, "looks like a credential"],
    [{ LEAK: "${ANTHROPIC_API_KEY}" }, "looks like a credential"],
    [{ LEAK: "${GITHUB_TOKEN}" }, "looks like a credential"],
  ])("refuses a tier env that asks for a credential: %j", (tierEnv, message) => {
    const build = () => trainingEnv({ callerEnv: caller, variables: {}, tierEnv, fixed: {} });
    expect(build).toThrow(UserError);
    expect(build).toThrow(message);
  });

  it("refuses a value that carries one of caddie's secrets however it got there", () => {
    const build = () =>
      trainingEnv({ callerEnv: caller, variables: { X: fakeKey }, tierEnv: { V: "${X}" }, fixed: {} });
    expect(build).toThrow("would carry one of caddie's credentials");
  });

  it("tells settings from credentials by name", () => {
    for (const name of [
      "ANTHROPIC_API_KEY",
      "MODAL_TOKEN_SECRET",
      "GITHUB_TOKEN",
      "HF_TOKEN",
      "AWS_ACCESS_KEY_ID",
    ])
      expect(isSecretName(name), name).toBe(true);
    for (const name of ["TRAIN_BATCH_TOKENS", "BOS_TOKEN_ID", "VAL_MAX_TOKENS", "NUM_KV_HEADS", "MATRIX_LR"])
      expect(isSecretName(name), name).toBe(false);
  });
});
