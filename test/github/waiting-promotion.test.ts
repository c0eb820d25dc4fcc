import { describe, expect, it } from "vitest";
import { promotionNamedBy, waitingPromotion } from "../../src/github/on-promotion-finished.ts";
import type { Promotion } from "../../src/github/bot-state.ts";

const sha = (n: number) => String(n).repeat(40).slice(0, 40);

function promotion(
  key: string,
  pr: number,
  shaOf: number,
  at: string,
  state: Promotion["state"] = "dispatched",
): Promotion {
  return {
    key,
    experiment: key,
    pr,
    sha: sha(shaOf),
    seeds: 1,
    requestedBy: "octocat",
    at,
    estimateUsd: 1,
    state,
    runId: null,
    costUsd: null,
  };
}

const promotions: Record<string, Promotion> = {
  a: promotion("a", 7, 1, "2026-11-22T01:00:00Z"),
  b: promotion("b", 7, 2, "2026-11-22T02:00:00Z"),
  c: promotion("c", 9, 3, "2026-11-22T03:00:00Z"),
  d: promotion("d", 9, 4, "2026-11-22T00:00:00Z", "settled"),
};

describe("pairing a finished promotion run with its reservation", () => {
  it("reads the pull request and commit from promote.yml's run name", () => {
    expect(promotionNamedBy(`caddie promote #7 @ ${sha(2)}`)).toEqual({ pr: 7, sha: sha(2) });
    expect(promotionNamedBy("caddie promote")).toBeNull();
    expect(promotionNamedBy(null)).toBeNull();
    expect(promotionNamedBy("caddie promote #7 @ abc")).toBeNull();
  });

  it("takes the promotion the run names, not the oldest waiting one", () => {
    expect(waitingPromotion(promotions, new Set(), { pr: 7, sha: sha(2) })?.key).toBe("b");
    expect(waitingPromotion(promotions, new Set([7]), { pr: 9, sha: sha(4) })).toBeNull(); // settled already
  });

  it("falls back to the oldest waiting promotion of the pull requests the artifacts name", () => {
    expect(waitingPromotion(promotions, new Set([7]))?.key).toBe("a");
    expect(waitingPromotion(promotions, new Set([9]))?.key).toBe("c");
    expect(waitingPromotion(promotions, new Set())?.key).toBe("a");
  });
});
