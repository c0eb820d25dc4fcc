/**
 * The one rule for runs the App reads back (verify-run.ts), and pairing a promotion run with its
 * reservation by run id (never by title): every spoofed field is refused on its own.
 */
import { describe, expect, it } from "vitest";
import type { Promotion } from "../../src/github/bot-state.ts";
import { promotionOfRun } from "../../src/github/on-promotion-finished.ts";
import { verifyRun, type RunRecord, type TrustedRunRule } from "../../src/github/verify-run.ts";

const rule: TrustedRunRule = {
  repo: { owner: "octo-org", repo: "octo-repo" },
  workflowFile: "caddie-promote.yml",
  defaultBranch: "main",
  botLogin: "caddie-test[bot]",
};

const repository = { id: 424242, full_name: "octo-org/octo-repo" };
const good: RunRecord = {
  id: 77,
  event: "workflow_dispatch",
  path: ".github/workflows/caddie-promote.yml",
  head_branch: "main",
  repository,
  head_repository: repository,
  triggering_actor: { login: "caddie-test[bot]" },
};

describe("verifyRun: only a dispatch by the App, of caddie's workflow on the default branch, of this repository", () => {
  it("accepts the App's own dispatch", () => {
    expect(verifyRun(good, rule)).toEqual({ ok: true });
    expect(
      verifyRun({ ...good, path: ".github/workflows/caddie-promote.yml@refs/heads/main" }, rule).ok,
    ).toBe(true);
  });

  it.each([
    ["a pull_request run (the workflow of the PR's merge commit)", { event: "pull_request" }, /pull_request/],
    ["a fork's code", { head_repository: { id: 9, full_name: "mallory/octo-repo" } }, /fork/],
    ["another repository", { repository: { id: 1, full_name: "mallory/other" } }, /belongs to/],
    ["another workflow file", { path: ".github/workflows/evil.yml" }, /evil\.yml/],
    ["the workflow of another branch", { head_branch: "feature" }, /not the default branch/],
    [
      "a fork branch named main",
      { head_branch: "main", head_repository: { id: 9, full_name: "mallory/octo-repo" } },
      /fork/,
    ],
    ["a person's dispatch or re-run", { triggering_actor: { login: "octocat" } }, /not by the App/],
    ["no actor at all", { triggering_actor: null }, /not by the App/],
  ] as const)("refuses %s", (_name, change, why) => {
    const verdict = verifyRun({ ...good, ...change } as RunRecord, rule);
    expect(verdict.ok).toBe(false);
    expect(verdict.ok ? "" : verdict.reason).toMatch(why);
  });
});

const promotion = (key: string, runId: number | null, at: string, state: Promotion["state"] = "dispatched") =>
  ({
    key,
    experiment: key,
    pr: 7,
    sha: "a".repeat(40),
    seeds: 1,
    requestedBy: "octocat",
    at,
    estimateUsd: 1,
    state,
    runId,
    costUsd: null,
  }) satisfies Promotion;

describe("promotionOfRun: by the run id the dispatch recorded", () => {
  const promotions = {
    a: promotion("a", 101, "2026-11-22T01:00:00Z"),
    b: promotion("b", 102, "2026-11-22T02:00:00Z"),
    c: promotion("c", 103, "2026-11-22T00:00:00Z", "settled"),
  };

  it("pairs a run only with the promotion whose dispatch created it", () => {
    expect(promotionOfRun(promotions, 102)?.key).toBe("b");
    expect(promotionOfRun(promotions, 103)?.key).toBe("c"); // settled: the caller calls it a duplicate
    expect(promotionOfRun(promotions, 999)).toBeNull(); // never dispatched: no pairing, whatever its title
  });

  it("where GitHub gave no run id, pairs the App's own run with the oldest dispatch still without one", () => {
    const waiting = { ...promotions, d: promotion("d", null, "2026-11-22T03:00:00Z") };
    expect(promotionOfRun(waiting, 555)?.key).toBe("d");
  });
});
