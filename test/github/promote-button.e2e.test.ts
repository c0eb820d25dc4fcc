import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CHECK_NAME, PROMOTE_ACTION } from "../../src/github/check-run.ts";
import { Harness } from "../fakes/github/harness.ts";
import type { Actor, CheckRun } from "../fakes/github/state.ts";
import { requestedActionPayload } from "../fakes/github/webhooks.ts";
import { sampleLog } from "../helpers/sample-logs.ts";

const OCTOCAT: Actor = { login: "octocat", type: "User" };

describe("the Promote button on GitHub", () => {
  let h: Harness;
  let keptPr: number;

  beforeEach(async () => {
    h = await Harness.start();
    await h.tick();
    await h.finishBaseline(h.openPulls()[0] ?? 0, { log: sampleLog("proxy-baseline") });
    keptPr = h.openPulls()[0] ?? 0;
    await h.finish(keptPr, { log: sampleLog("full-baseline") });
  });
  afterEach(async () => {
    expect(h.fake.violations).toEqual([]);
    await h.close();
  });

  const checkOf = (experiment: string): CheckRun | undefined =>
    [...h.fake.state.checkRuns.values()].find((c) => c.name === CHECK_NAME && c.externalId === experiment);
  const click = (run: CheckRun | undefined, user: Actor, id?: string) =>
    h.send(
      "check_run",
      requestedActionPayload(h.fake, { checkRunId: run?.id ?? 0, identifier: "promote", user }),
      id,
    );
  const replies = (issue: number) =>
    [...h.fake.state.comments.values()].filter(
      (c) => c.issueNumber === issue && c.user.type === "Bot" && c.body.startsWith("@"),
    );
  const clicks = () => h.outcomes.filter((o) => o.event === "requested_action").map((o) => o.outcome);

  it("offers Promote on the passing check of a kept experiment, within GitHub's limits, and not on the baseline", () => {
    expect(h.fake.state.pulls.get(keptPr)?.merged).toBe(true);
    expect(checkOf("exp-001")?.conclusion).toBe("success");
    expect(checkOf("exp-001")?.actions).toEqual([PROMOTE_ACTION]);
    expect(PROMOTE_ACTION.label.length).toBeLessThanOrEqual(20);
    expect(PROMOTE_ACTION.description.length).toBeLessThanOrEqual(40);
    expect(PROMOTE_ACTION.identifier.length).toBeLessThanOrEqual(20);
    expect(checkOf("exp-000")?.conclusion).toBe("success");
    expect(checkOf("exp-000")?.actions).toEqual([]);
  });

  it("promotes the check's head SHA once when a write user clicks, even when the delivery or the click repeats", async () => {
    const check = checkOf("exp-001");
    await click(check, OCTOCAT, "click-1");
    expect(h.promoteDispatches()).toEqual([
      {
        workflowId: "caddie-promote.yml",
        ref: "main",
        inputs: { pr: String(keptPr), sha: check?.headSha, seeds: "1" },
      },
    ]);
    expect(replies(keptPr).at(-1)?.body).toMatch(/^@octocat promoting `[0-9a-f]{7}` .* 1 seed\(s\)/);
    expect(h.fake.ops()).toContain("repos/get-collaborator-permission-level");

    await click(check, OCTOCAT, "click-1");
    await click(check, OCTOCAT, "click-2");
    await h.comment(keptPr, "/promote");
    expect(h.promoteDispatches()).toHaveLength(1);
    // Nothing in a click's signed body tells a second click from a replay of the first: both are no-ops.
    expect(clicks()).toEqual(["promoted", "duplicate event", "duplicate event"]);
    expect(replies(keptPr).at(-1)?.body).toContain("already handled");
  });

  it("ignores a click from a read-only user: no reply, nothing dispatched", async () => {
    await click(checkOf("exp-001"), { login: "reader", type: "User" });
    expect(h.promoteDispatches()).toEqual([]);
    expect(replies(keptPr)).toEqual([]);
    expect(clicks()).toEqual(["ignored: permission"]);
  });

  it("ignores clicks from bots and buttons it did not offer", async () => {
    await click(checkOf("exp-001"), { login: "dependabot[bot]", type: "Bot" });
    await h.send(
      "check_run",
      requestedActionPayload(h.fake, {
        checkRunId: checkOf("exp-001")?.id ?? 0,
        identifier: "rerun",
        user: OCTOCAT,
      }),
    );
    expect(h.promoteDispatches()).toEqual([]);
    expect(replies(keptPr)).toEqual([]);
    expect(clicks()).toEqual(["ignored: unknown action"]);
  });
});
