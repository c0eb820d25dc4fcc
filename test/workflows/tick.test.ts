import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { repoRoot } from "../helpers/shared.ts";
import { RESEARCH_ARTIFACT } from "../../src/github/ingest-research.ts";
import { initFiles } from "../../src/local/commands/init.ts";

interface Job {
  if?: string;
  "timeout-minutes"?: number;
  permissions?: Record<string, string>;
  concurrency?: { group: string; "cancel-in-progress": boolean };
  steps: {
    name?: string;
    run?: string;
    uses?: string;
    env?: Record<string, string>;
    with?: Record<string, string | boolean>;
  }[];
}
const workflow = parse(readFileSync(path.join(repoRoot, ".github/workflows/tick.yml"), "utf8")) as {
  on: {
    workflow_call: {
      inputs: Record<string, { default?: unknown }>;
      secrets: Record<string, { required: boolean }>;
    };
  };
  permissions: Record<string, string>;
  jobs: { tick: Job; research: Job };
};

describe("the tick workflow", () => {
  it("keeps the tick job to one dispatch with write access for it alone", () => {
    expect(workflow.permissions).toEqual({});
    expect(workflow.jobs.tick.permissions).toEqual({ contents: "write" });
    expect(workflow.jobs.tick.steps.map((s) => s.run ?? "")).toEqual([
      expect.stringContaining("event_type=caddie-tick"),
    ]);
  });

  it("runs research sync only when asked, bounded, read-only, with the model key optional", () => {
    const job = workflow.jobs.research;
    expect(workflow.on.workflow_call.inputs.research?.default).toBe(false);
    expect(job.if).toContain("inputs.research");
    expect(job["timeout-minutes"]).toBeLessThanOrEqual(30);
    expect(job.concurrency?.["cancel-in-progress"]).toBe(false);
    // It writes nothing to the repository: the App ingests the artifact into caddie/state.
    expect(job.permissions).toEqual({ contents: "read" });
    expect(workflow.on.workflow_call.secrets.ANTHROPIC_API_KEY?.required).toBe(false);
    const runs = job.steps.map((s) => s.run ?? "").join("\n");
    expect(runs).toContain("bin/caddie research sync --state-dir state");
    expect(runs).not.toMatch(/git (push|commit)/);
    // The key reaches the sync step alone.
    expect(job.steps.filter((s) => JSON.stringify(s).includes("ANTHROPIC_API_KEY"))).toEqual([
      expect.objectContaining({ name: "Sync research" }),
    ]);
    for (const step of job.steps.filter((s) => s.uses?.startsWith("actions/checkout@")))
      expect(step.with?.["persist-credentials"]).toBe(false);
    const upload = job.steps.find((s) => s.uses?.startsWith("actions/upload-artifact@"));
    expect(upload?.with).toMatchObject({ name: RESEARCH_ARTIFACT, path: "state/research.jsonl" });
    // Third-party actions are pinned by commit.
    for (const step of job.steps.filter((s) => s.uses)) expect(step.uses).toMatch(/@[0-9a-f]{40}\b/);
  });

  it("is called by the workflow caddie init writes, with research off by default", () => {
    const source = { repo: "someone/caddie", sha: "a".repeat(40), ref: "main" };
    const caller = parse(initFiles({ source })[".github/workflows/caddie-tick.yml"] ?? "") as {
      jobs: { tick: { with: { research: boolean }; secrets: Record<string, string> } };
    };
    expect(caller.jobs.tick.with.research).toBe(false);
    // Passed when the fork has it; an unset secret reaches the job as empty, and the sync does not grade.
    expect(caller.jobs.tick.secrets).toEqual({ ANTHROPIC_API_KEY: "${{ secrets.ANTHROPIC_API_KEY }}" });
  });
});
