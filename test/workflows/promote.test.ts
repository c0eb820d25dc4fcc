import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { repoRoot } from "../helpers/shared.ts";

interface Step {
  name?: string;
  id?: string;
  uses?: string;
  run?: string;
  if?: string;
  env?: Record<string, string>;
  with?: Record<string, string>;
}
interface Job {
  "runs-on": string;
  environment?: string;
  permissions?: Record<string, string>;
  "timeout-minutes"?: number;
  env?: Record<string, string>;
  steps: Step[];
}
interface Workflow {
  on: Record<string, { inputs: Record<string, { required?: boolean; type?: string }> }>;
  permissions?: Record<string, string>;
  concurrency?: { group: string; "cancel-in-progress": boolean };
  jobs: Record<string, Job>;
}

const workflowText = readFileSync(path.join(repoRoot, ".github", "workflows", "promote.yml"), "utf8");
const workflow = parse(workflowText) as Workflow;
const train = workflow.jobs.train as Job;
const modalStep = train.steps.find((s) => s.run?.includes("modal run")) as Step;

describe("promote.yml", () => {
  it("is dispatchable by the bot and callable from a fork, with pr, sha and seeds", () => {
    for (const trigger of ["workflow_dispatch", "workflow_call"]) {
      expect(Object.keys(workflow.on[trigger]?.inputs ?? {})).toEqual(
        expect.arrayContaining(["pr", "sha", "seeds"]),
      );
    }
    expect(Object.keys(workflow.on)).toEqual(["workflow_dispatch", "workflow_call"]);
  });

  it("runs modal without --detach, so cancelling the job stops the GPUs", () => {
    expect(modalStep.run).toMatch(/\bmodal run \.caddie\/python\/modal_train\.py\b/);
    expect(modalStep.run).not.toMatch(/--detach|\s-d\b/);
    const code = workflowText.split("\n").filter((line) => !line.trim().startsWith("#"));
    expect(code.filter((line) => line.includes("--detach"))).toEqual([]);
  });

  it("keeps the three time limits independent and ordered: train cap < Modal timeout < job timeout", () => {
    const trainCap = Number(train.env?.CADDIE_TRAIN_SECONDS);
    const modalTimeout = Number(train.env?.CADDIE_MODAL_TIMEOUT);
    const jobTimeout = Number(train["timeout-minutes"]) * 60;
    expect(trainCap).toBe(600);
    expect(modalTimeout).toBeGreaterThan(trainCap);
    expect(jobTimeout).toBeGreaterThan(modalTimeout);
    // Each job has its own bound, and modal_train.py reads both variables the job sets.
    for (const job of Object.values(workflow.jobs)) expect(job["timeout-minutes"]).toBeGreaterThan(0);
    const modalTrain = readFileSync(path.join(repoRoot, "python", "modal_train.py"), "utf8");
    expect(modalTrain).toContain('os.environ.get("CADDIE_TRAIN_SECONDS"');
    expect(modalTrain).toContain('os.environ.get("CADDIE_MODAL_TIMEOUT"');
    expect(modalTrain).toContain('"MAX_WALLCLOCK_SECONDS": str(TRAIN_SECONDS)');
  });

  it("asks for minimal permissions: nothing by default, read-only contents where checked out", () => {
    expect(workflow.permissions).toEqual({});
    expect(workflow.jobs.plan?.permissions).toEqual({});
    expect(train.permissions).toEqual({ contents: "read" });
  });

  it("holds the Modal token only in the protected environment and only in the step that needs it", () => {
    expect(train.environment).toBe("caddie-modal");
    const withSecrets = train.steps.filter((s) => JSON.stringify(s).includes("secrets."));
    expect(withSecrets).toEqual([modalStep]);
    expect(modalStep.env).toMatchObject({
      MODAL_TOKEN_ID: "${{ secrets.MODAL_TOKEN_ID }}",
      MODAL_TOKEN_SECRET: "${{ secrets.MODAL_TOKEN_SECRET }}",
    });
    expect(JSON.stringify(train.env)).not.toContain("secrets.");
  });

  it("serializes promotions without cancelling one in flight", () => {
    expect(workflow.concurrency?.group).toContain("caddie-promote");
    expect(workflow.concurrency?.["cancel-in-progress"]).toBe(false);
  });

  it("measures each seed with our action on the full tier, even after a failed training step", () => {
    const measure = train.steps.find((s) => s.uses === "./.caddie") as Step;
    expect(measure.with).toMatchObject({ tier: "full", code: "experiment/train_gpt.py" });
    expect(measure.if).toBe("${{ !cancelled() }}");
    expect(measure.with?.["exit-code"]).toBe("${{ steps.modal.outputs.train_exit_code }}");
  });

  it("pins third-party actions by commit and never interpolates inputs into scripts", () => {
    for (const step of Object.values(workflow.jobs).flatMap((j) => j.steps)) {
      if (step.uses && !step.uses.startsWith("./"))
        expect(step.uses).toMatch(/^[\w-]+\/[\w-]+@[0-9a-f]{40}$/);
      if (step.run) expect(step.run).not.toContain("${{");
    }
  });

  it("installs the same Modal client version the project pins", () => {
    const pin = /^modal==(\S+)$/m.exec(
      readFileSync(path.join(repoRoot, "python", "requirements.txt"), "utf8"),
    )?.[1];
    expect(pin).toBe("1.6.4");
    expect(train.steps.some((s) => s.run?.includes(`modal==${pin}`))).toBe(true);
  });

  describe("the plan step's script", () => {
    const script = workflow.jobs.plan?.steps[0]?.run ?? "";
    function plan(env: Record<string, string>): { status: number | null; output: string; stdout: string } {
      const dir = mkdtempSync(path.join(os.tmpdir(), "caddie-plan-"));
      const out = path.join(dir, "out");
      writeFileSync(out, "");
      const r = spawnSync("bash", ["-c", script], {
        env: { PATH: process.env.PATH ?? "", GITHUB_OUTPUT: out, CADDIE_REF: "c".repeat(40), ...env },
        encoding: "utf8",
      });
      return { status: r.status, output: readFileSync(out, "utf8"), stdout: r.stdout };
    }
    const sha = "3f2a9c1e5b7d9f0a1b2c3d4e5f60718293a4b5c6";

    it("picks the first N fixed seeds", () => {
      expect(plan({ PR: "12", SHA: sha, SEEDS: "3" })).toMatchObject({
        status: 0,
        output: "seeds=[1337,42,2025]\n",
      });
    });

    it.each([
      [{ PR: "0", SHA: sha, SEEDS: "3" }, "pr must be a pull request number"],
      [{ PR: "12", SHA: "abc123", SEEDS: "3" }, "sha must be a full 40-hex commit"],
      [{ PR: "12", SHA: sha, SEEDS: "9" }, "seeds must be a whole number from 1 to 8"],
      [{ PR: "12", SHA: `${sha}; rm -rf /`, SEEDS: "1" }, "sha must be a full 40-hex commit"],
      // caddie itself must be pinned by commit: a tag can be moved by whoever controls it.
      [{ PR: "12", SHA: sha, SEEDS: "1", CADDIE_REF: "v1" }, "caddie-ref must be a full 40-hex commit"],
    ])("refuses bad input %j", (env, message) => {
      const r = plan(env);
      expect(r.status).toBe(1);
      expect(r.stdout).toContain(`::error::${message}`);
      expect(r.output).toBe("");
    });
  });
});
