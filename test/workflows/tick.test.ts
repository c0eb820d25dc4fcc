import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { repoRoot } from "../helpers/shared.ts";
import { RESEARCH_ARTIFACT } from "../../src/github/ingest-research.ts";

interface Job {
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
type Workflow = {
  on: {
    workflow_call: {
      inputs?: Record<string, { default?: unknown; required?: boolean }>;
      secrets?: Record<string, { required: boolean }>;
    } | null;
  };
  permissions: Record<string, string>;
  jobs: Record<string, Job>;
};
const read = (name: string) =>
  parse(readFileSync(path.join(repoRoot, ".github/workflows", name), "utf8")) as Workflow;

describe("the tick workflow", () => {
  it("is one dispatch with write access for it alone, and nothing else", () => {
    const workflow = read("tick.yml");
    expect(workflow.permissions).toEqual({});
    expect(Object.keys(workflow.jobs)).toEqual(["tick"]);
    expect(workflow.jobs.tick?.permissions).toEqual({ contents: "write" });
    expect(workflow.jobs.tick?.steps.map((s) => s.run ?? "")).toEqual([
      expect.stringContaining("event_type=caddie-tick"),
    ]);
  });
});

describe("the research workflow (dispatched by the App when research is on)", () => {
  const workflow = read("research.yml");
  const job = workflow.jobs.research as Job;

  it("runs research sync bounded, read-only, on a pinned caddie, with the model key optional", () => {
    expect(workflow.permissions).toEqual({});
    expect(job["timeout-minutes"]).toBeLessThanOrEqual(30);
    expect(job.concurrency?.["cancel-in-progress"]).toBe(false);
    // It writes nothing to the repository: the App ingests the artifact of this very run into caddie/state.
    expect(job.permissions).toEqual({ contents: "read" });
    expect(workflow.on.workflow_call?.inputs?.["caddie-ref"]).toMatchObject({ required: true });
    expect(workflow.on.workflow_call?.secrets?.ANTHROPIC_API_KEY?.required).toBe(false);
    const runs = job.steps.map((s) => s.run ?? "").join("\n");
    expect(runs).toContain("^[0-9a-f]{40}$");
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
});

describe("the experiment workflow", () => {
  const workflow = read("experiment.yml");

  it("trains only the App's dispatch, through caddie's own job steps, never pull request code on a trigger", () => {
    const text = readFileSync(path.join(repoRoot, ".github/workflows/experiment.yml"), "utf8");
    expect(Object.keys(workflow.on)).toEqual(["workflow_call"]);
    expect(text).not.toContain("github.event.pull_request");
    expect(text).not.toContain("os.environ");
    const config = workflow.jobs.config as Job;
    expect(config.steps[0]?.run).toContain('[ "$EVENT" = workflow_dispatch ]');
    expect(config.steps.map((s) => s.run ?? "").join("\n")).toContain("caddie/bin/caddie job settings");
    const train = workflow.jobs.train as Job;
    expect(train.permissions).toEqual({ contents: "read" });
    expect(train.steps.map((s) => s.run ?? "").join("\n")).toContain("bin/caddie job train");
    for (const job of Object.values(workflow.jobs))
      for (const step of job.steps) {
        if (step.uses?.startsWith("actions/checkout@"))
          expect(step.with?.["persist-credentials"]).toBe(false);
        if (step.uses && !step.uses.startsWith("./")) expect(step.uses).toMatch(/@[0-9a-f]{40}\b/);
      }
  });
});
