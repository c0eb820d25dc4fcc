import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  emptySpendLedger,
  estimateSpend,
  formatSpendLedger,
  parseSpendLedger,
  releaseSpend,
  reserveSpend,
  settleSpend,
  spendSummary,
  type SpendLedger,
  type SpendPolicy,
} from "../../src/core/spend-ledger.ts";
import { UserError } from "../../src/core/user-error.ts";

const T0 = Date.parse("2026-05-01T12:00:00Z");
const MIN = 60_000;
// 8 x H100 at $3.95/GPU-hour, 15 minutes expected, 30 minutes timeout, one seed: $7.90 expected, $15.80 worst.
const fullRun = (seeds = 1) =>
  estimateSpend({ gpus: 8, usdPerGpuHour: 3.95, expectedSeconds: 900, timeoutSeconds: 1800, seeds });
const policy: SpendPolicy = { totalUsd: 100, reserveUsd: 10, maxFullRunsPerHour: 1 };

function reserveOk(ledger: SpendLedger, key: string, p: SpendPolicy, now: number, seeds = 1): SpendLedger {
  const v = reserveSpend(ledger, p, { key, label: key, estimate: fullRun(seeds) }, now);
  if (!v.ok) throw new Error(`expected a reservation, got: ${v.reason}`);
  return v.ledger;
}

describe("estimateSpend", () => {
  it("multiplies rate, GPUs, seconds and seeds, with the timeout as the worst case", () => {
    const e = fullRun(3);
    expect(e.usd).toBeCloseTo((3.95 / 3600) * 8 * 900 * 3, 10);
    expect(e.usd).toBeCloseTo(23.7, 10);
    expect(e.ceilingUsd).toBeCloseTo(47.4, 10);
  });

  it("rejects counts that are not positive whole numbers", () => {
    expect(() =>
      estimateSpend({ gpus: 0, usdPerGpuHour: 1, expectedSeconds: 1, timeoutSeconds: 1, seeds: 1 }),
    ).toThrow(/gpus must be a positive whole number/);
    expect(() =>
      estimateSpend({ gpus: 8, usdPerGpuHour: 1, expectedSeconds: 1, timeoutSeconds: 1, seeds: 1.5 }),
    ).toThrow(UserError);
  });
});

describe("reserveSpend", () => {
  it("reserves the estimate and says what is left", () => {
    const v = reserveSpend(
      emptySpendLedger(),
      policy,
      { key: "pr-1", label: "PR #1", estimate: fullRun() },
      T0,
    );
    expect(v.ok).toBe(true);
    if (!v.ok) return;
    expect(v.entry.state).toBe("reserved");
    expect(v.entry.reservedAt).toBe("2026-05-01T12:00:00.000Z");
    expect(v.reason).toBe("reserved $7.90 (worst case $15.80) for PR #1; $92.10 left after it");
    expect(v.warning).toBeNull();
    expect(spendSummary(v.ledger, policy, T0).heldUsd).toBeCloseTo(7.9, 10);
  });

  it("refuses with a clear reason when no credits are configured", () => {
    const v = reserveSpend(
      emptySpendLedger(),
      { ...policy, totalUsd: 0 },
      { key: "pr-1", label: "PR #1", estimate: fullRun() },
      T0,
    );
    expect(v).toMatchObject({ ok: false, code: "no-credits" });
    expect(v.ok ? "" : v.reason).toContain("budget.total_usd");
  });

  it("refuses when paid runs are turned off", () => {
    const v = reserveSpend(
      emptySpendLedger(),
      { ...policy, maxFullRunsPerHour: 0 },
      { key: "k", label: "k", estimate: fullRun() },
      T0,
    );
    expect(v).toMatchObject({ ok: false, code: "runs-off" });
  });

  it("keeps the reserve floor", () => {
    // $20 total with a $10 reserve: $10 spendable, an 8-seed run expects $63.20.
    const v = reserveSpend(
      emptySpendLedger(),
      { totalUsd: 20, reserveUsd: 10, maxFullRunsPerHour: 5 },
      { key: "k", label: "PR #9", estimate: fullRun(8) },
      T0,
    );
    expect(v).toMatchObject({ ok: false, code: "reserve-floor" });
    expect(v.ok ? "" : v.reason).toBe(
      "estimate $63.20 is more than the $10.00 available above the $10.00 reserve ($20.00 of $20.00 left)",
    );
  });

  it("refuses a run whose worst case exceeds what is left even when the estimate fits", () => {
    // Estimate $7.90 fits the $12 spendable, but the timeout-bound $15.80 exceeds the $12 left.
    const v = reserveSpend(
      emptySpendLedger(),
      { totalUsd: 12, reserveUsd: 0, maxFullRunsPerHour: 1 },
      { key: "k", label: "k", estimate: fullRun() },
      T0,
    );
    expect(v).toMatchObject({ ok: false, code: "over-total" });
  });

  it("allows one paid run per rolling hour and names the next slot", () => {
    const first = reserveOk(emptySpendLedger(), "pr-1", policy, T0);
    const second = reserveSpend(
      first,
      policy,
      { key: "pr-2", label: "PR #2", estimate: fullRun() },
      T0 + 59 * MIN,
    );
    expect(second).toMatchObject({ ok: false, code: "rate-limit" });
    expect(second.ok ? "" : second.reason).toBe(
      "1 paid run in the last hour (max 1); next slot at 2026-05-01T13:00:00.000Z",
    );
    const later = reserveSpend(
      first,
      policy,
      { key: "pr-2", label: "PR #2", estimate: fullRun() },
      T0 + 60 * MIN,
    );
    expect(later.ok).toBe(true);
  });

  it("does not count released reservations against the rate limit", () => {
    const held = reserveOk(emptySpendLedger(), "pr-1", policy, T0);
    const { ledger } = releaseSpend(held, "pr-1", { nowMs: T0 + MIN, reason: "dispatch failed" });
    expect(
      reserveSpend(ledger, policy, { key: "pr-2", label: "PR #2", estimate: fullRun() }, T0 + 2 * MIN).ok,
    ).toBe(true);
  });

  it("is idempotent by key while reserved and refuses a key that already ran", () => {
    const held = reserveOk(emptySpendLedger(), "pr-1@abc", policy, T0);
    const again = reserveSpend(
      held,
      policy,
      { key: "pr-1@abc", label: "pr-1@abc", estimate: fullRun() },
      T0 + MIN,
    );
    expect(again).toMatchObject({ ok: true, idempotent: true });
    expect(again.ledger).toBe(held);
    const { ledger: settled } = settleSpend(held, "pr-1@abc", { measuredSeconds: 800, nowMs: T0 + 20 * MIN });
    const rerun = reserveSpend(
      settled,
      policy,
      { key: "pr-1@abc", label: "x", estimate: fullRun() },
      T0 + 2 * 60 * MIN,
    );
    expect(rerun).toMatchObject({ ok: false, code: "already-ran" });
  });

  it("warns once what is left falls under twice the reserve", () => {
    const v = reserveSpend(
      emptySpendLedger(),
      { totalUsd: 25, reserveUsd: 10, maxFullRunsPerHour: 1 },
      { key: "k", label: "k", estimate: fullRun() },
      T0,
    );
    expect(v.ok && v.warning).toBe(
      "after this run about $17.10 will be left, under twice the $10.00 reserve",
    );
    expect(
      spendSummary(emptySpendLedger(), { totalUsd: 25, reserveUsd: 10, maxFullRunsPerHour: 1 }, T0).warning,
    ).toBeNull();
    expect(spendSummary(v.ledger, { totalUsd: 25, reserveUsd: 10, maxFullRunsPerHour: 1 }, T0).warning).toBe(
      "$17.10 left, under twice the $10.00 reserve",
    );
  });

  it("lets only one of two concurrent promotions through when only one fits", async () => {
    // A compare-and-swap store, as the state branch and the file store provide: a stale write is rejected and retried.
    let stored = { version: 0, ledger: emptySpendLedger() };
    const tight: SpendPolicy = { totalUsd: 20, reserveUsd: 0, maxFullRunsPerHour: 10 };
    async function promote(key: string): Promise<boolean> {
      for (;;) {
        const seen = stored;
        await Promise.resolve(); // both promotions read before either writes
        const v = reserveSpend(seen.ledger, tight, { key, label: key, estimate: fullRun() }, T0);
        if (!v.ok) return false;
        if (stored.version !== seen.version) continue; // lost the race: re-read and decide again
        stored = { version: seen.version + 1, ledger: v.ledger };
        return true;
      }
    }
    const results = await Promise.all([promote("pr-1"), promote("pr-2")]);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(stored.ledger.entries).toHaveLength(1);
  });

  it("never lets spending plus the worst case of runs in flight exceed the total", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            seeds: fc.integer({ min: 1, max: 4 }),
            gapMin: fc.integer({ min: 0, max: 90 }),
            // Fraction of the timeout the run was billed for when it settles; null = still in flight.
            billed: fc.option(fc.double({ min: 0, max: 1, noNaN: true })),
          }),
          { maxLength: 30 },
        ),
        fc.integer({ min: 0, max: 200 }),
        fc.integer({ min: 0, max: 50 }),
        (runs, total, reserve) => {
          const p: SpendPolicy = { totalUsd: total, reserveUsd: reserve, maxFullRunsPerHour: 2 };
          let ledger = emptySpendLedger();
          let now = T0;
          runs.forEach((r, i) => {
            now += r.gapMin * MIN;
            const v = reserveSpend(
              ledger,
              p,
              { key: `k${i}`, label: `k${i}`, estimate: fullRun(r.seeds) },
              now,
            );
            if (!v.ok) return;
            ledger = v.ledger;
            if (r.billed !== null) {
              const seconds = r.billed * v.entry.timeoutSeconds * v.entry.seeds;
              ledger = settleSpend(ledger, `k${i}`, { measuredSeconds: seconds, nowMs: now }).ledger;
            }
          });
          const s = spendSummary(ledger, p, now);
          expect(s.spentUsd + s.heldCeilingUsd).toBeLessThanOrEqual(total + 1e-9);
        },
      ),
    );
  });
});

describe("settleSpend and releaseSpend", () => {
  it("settles with the measured seconds at the reserved rate", () => {
    const held = reserveOk(emptySpendLedger(), "pr-1", policy, T0);
    const { ledger, entry } = settleSpend(held, "pr-1", { measuredSeconds: 700, nowMs: T0 + 12 * MIN });
    expect(entry.costUsd).toBeCloseTo((3.95 / 3600) * 8 * 700, 10);
    const s = spendSummary(ledger, policy, T0 + 12 * MIN);
    expect(s.heldUsd).toBe(0);
    expect(s.spentUsd).toBeCloseTo(6.1444, 4);
    expect(s.settled).toHaveLength(1);
  });

  it("is idempotent for the same measurement and corrects a different one", () => {
    const held = reserveOk(emptySpendLedger(), "pr-1", policy, T0);
    const once = settleSpend(held, "pr-1", { measuredSeconds: 700, nowMs: T0 + MIN });
    expect(settleSpend(once.ledger, "pr-1", { measuredSeconds: 700, nowMs: T0 + 2 * MIN }).ledger).toBe(
      once.ledger,
    );
    const fixed = settleSpend(once.ledger, "pr-1", { measuredSeconds: 900, nowMs: T0 + 3 * MIN });
    expect(fixed.entry.costUsd).toBeCloseTo(7.9, 10);
  });

  it("settles a timed-out run at its real seconds rather than releasing it", () => {
    const held = reserveOk(emptySpendLedger(), "pr-1", policy, T0);
    const { entry } = settleSpend(held, "pr-1", {
      measuredSeconds: 1800,
      nowMs: T0 + 31 * MIN,
      note: "Modal timeout",
    });
    expect(entry).toMatchObject({ state: "settled", note: "Modal timeout" });
    expect(entry.costUsd).toBeCloseTo(15.8, 10);
    expect(() => releaseSpend(held, "nope", { nowMs: T0, reason: "x" })).toThrow(
      /no reservation with key "nope"/,
    );
  });

  it("releases a reservation at no cost and refuses to release a settled run", () => {
    const held = reserveOk(emptySpendLedger(), "pr-1", policy, T0);
    const { ledger, entry } = releaseSpend(held, "pr-1", {
      nowMs: T0 + MIN,
      reason: "workflow dispatch failed: 422",
    });
    expect(entry).toMatchObject({ state: "released", costUsd: 0, note: "workflow dispatch failed: 422" });
    expect(spendSummary(ledger, policy, T0 + MIN).availableUsd).toBe(100);
    const settled = settleSpend(held, "pr-1", { measuredSeconds: 10, nowMs: T0 + MIN }).ledger;
    expect(() => releaseSpend(settled, "pr-1", { nowMs: T0 + MIN, reason: "x" })).toThrow(
      /cannot be released/,
    );
  });

  it("marks a reservation open long past its timeout as stale", () => {
    const held = reserveOk(emptySpendLedger(), "pr-1", policy, T0);
    expect(spendSummary(held, policy, T0 + 60 * MIN).open[0]?.stale).toBe(false);
    expect(spendSummary(held, policy, T0 + 91 * MIN).open[0]?.stale).toBe(true);
  });
});

describe("stored form", () => {
  it("round-trips through JSON", () => {
    const held = reserveOk(emptySpendLedger(), "pr-1", policy, T0);
    const settled = settleSpend(held, "pr-1", { measuredSeconds: 700, nowMs: T0 + MIN }).ledger;
    const both = reserveOk(settled, "pr-2", { ...policy, maxFullRunsPerHour: 3 }, T0 + 2 * MIN);
    expect(parseSpendLedger(formatSpendLedger(both))).toEqual(both);
  });

  it("names what is wrong in a damaged file", () => {
    expect(() => parseSpendLedger("{")).toThrow("spend ledger is not valid JSON");
    expect(() => parseSpendLedger('{"version": 2, "entries": []}')).toThrow(/"version": 1/);
    const held = reserveOk(emptySpendLedger(), "pr-1", policy, T0);
    const broken = formatSpendLedger(held).replace('"state": "reserved"', '"state": "paid"');
    expect(() => parseSpendLedger(broken)).toThrow(
      "spend ledger entry 0: state must be one of reserved, settled, released",
    );
    const doubled = JSON.stringify({ version: 1, entries: [...held.entries, ...held.entries] });
    expect(() => parseSpendLedger(doubled)).toThrow('spend ledger entry 1: duplicate key "pr-1"');
  });

  it("rejects a fractional rate limit, naming the config key", () => {
    expect(() => spendSummary(emptySpendLedger(), { ...policy, maxFullRunsPerHour: 0.5 }, T0)).toThrow(
      /budget\.max_full_runs_per_hour must be a whole number/,
    );
  });
});
