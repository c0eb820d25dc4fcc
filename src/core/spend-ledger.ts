/**
 * The spend ledger: what paid 8xH100 runs have cost, what is held for runs in flight, and whether one more
 * may start. Pure: callers pass the time in and persist the JSON with the rest of the state.
 *
 * The life of a paid run: `estimateSpend` (shown in the reply to /promote) -> `reserveSpend` before
 * dispatch -> `settleSpend` with the measured seconds after, or `releaseSpend` when nothing ran (the
 * dispatch failed). A run that started and then failed or timed out is settled, not released: the GPUs
 * were billed. Every verdict carries a one-line reason.
 *
 * Concurrency: a reservation is an entry in this ledger, so it only protects against a second /promote
 * if the two writes are serialized. The stores do that with compare-and-swap (the `caddie/state` branch ref
 * on GitHub, an atomic file locally): the loser re-reads, calls `reserveSpend` again on a ledger that now
 * holds the winner's reservation, and is refused when only one fits.
 *
 * Two money checks guard each reservation:
 *  - the estimate (rate x GPUs x expected seconds x seeds) must fit above the reserve floor;
 *  - the ceiling (the same with the Modal timeout instead of the expected seconds) must fit in what is
 *    left in total after the ceilings of the runs already in flight, so even runs that all hit their
 *    timeouts together cannot spend credits that do not exist.
 */
import type { FullTier } from "./config.ts";
import { UserError } from "./user-error.ts";

export interface SpendPolicy {
  /** Credits caddie may spend on paid runs in total, in USD; 0 means none configured. */
  totalUsd: number;
  /** A floor that promotions never dip into, in USD. */
  reserveUsd: number;
  /** Paid dispatches allowed per rolling hour (a /promote with several seeds is one); 0 turns them off. */
  maxFullRunsPerHour: number;
}

export interface SpendEstimateInput {
  gpus: number;
  usdPerGpuHour: number;
  /** Expected billed seconds of one seed's run (train cap + start-up + compile + eval). */
  expectedSeconds: number;
  /** The Modal function timeout: the most one seed's run can be billed. */
  timeoutSeconds: number;
  seeds: number;
}

export interface SpendEstimate extends SpendEstimateInput {
  /** rate x GPUs x expected seconds x seeds. */
  usd: number;
  /** rate x GPUs x timeout seconds x seeds: the worst case. */
  ceilingUsd: number;
}

export type SpendState = "reserved" | "settled" | "released";

export interface SpendEntry {
  /** Idempotency key, e.g. "promote:pr-12:3f2a9c1e..."; one entry per key. */
  key: string;
  /** What it is for, shown in /budget ("PR #12 @ 3f2a9c1, 3 seeds"). */
  label: string;
  state: SpendState;
  gpus: number;
  usdPerGpuHour: number;
  seeds: number;
  expectedSeconds: number;
  timeoutSeconds: number;
  estimateUsd: number;
  ceilingUsd: number;
  /** ISO 8601 times. */
  reservedAt: string;
  closedAt: string | null;
  /** Billed seconds measured after the run, summed over seeds (GPU-seconds = this x gpus). */
  measuredSeconds: number | null;
  /** Settled cost; 0 when released. */
  costUsd: number | null;
  /** Why it was released, or a note from settlement ("timed out"). */
  note: string | null;
}

export interface SpendLedger {
  version: 1;
  entries: SpendEntry[];
}

export interface SpendSummary {
  totalUsd: number;
  reserveUsd: number;
  spentUsd: number;
  /** Held by reservations not yet settled (their estimates). */
  heldUsd: number;
  /** The worst case of those reservations (their timeout-bound ceilings). */
  heldCeilingUsd: number;
  /** total - spent - held. */
  availableUsd: number;
  /** What a new run may use: available above the reserve floor (never negative). */
  spendableUsd: number;
  runsLastHour: number;
  maxFullRunsPerHour: number;
  /** When the rate limit next lets a run start (ISO), or null when a slot is free now. */
  nextSlotAt: string | null;
  /** Set when what is available has fallen under twice the reserve. */
  warning: string | null;
  open: (SpendEntry & { stale: boolean })[];
  settled: SpendEntry[];
}

export type ReserveRefusal =
  "no-credits" | "runs-off" | "rate-limit" | "reserve-floor" | "over-total" | "already-ran";

export type ReserveVerdict =
  | {
      ok: true;
      ledger: SpendLedger;
      entry: SpendEntry;
      /** True when this key already held a reservation: nothing new was charged. */
      idempotent: boolean;
      reason: string;
      warning: string | null;
    }
  | { ok: false; code: ReserveRefusal; reason: string; ledger: SpendLedger };

const HOUR_MS = 3_600_000;
// A reservation open this long past its worst case was most likely orphaned (a lost webhook, a restart).
const STALE_AFTER_MS = HOUR_MS;

export function emptySpendLedger(): SpendLedger {
  return { version: 1, entries: [] };
}

/** The cost of a paid run before it starts: expected and worst case. */
export function estimateSpend(input: SpendEstimateInput): SpendEstimate {
  positive("gpus", input.gpus, { integer: true });
  positive("seeds", input.seeds, { integer: true });
  positive("expectedSeconds", input.expectedSeconds);
  positive("timeoutSeconds", input.timeoutSeconds);
  if (!(input.usdPerGpuHour >= 0) || !Number.isFinite(input.usdPerGpuHour))
    throw new UserError(`spend: usdPerGpuHour must be a number >= 0, got ${input.usdPerGpuHour}`);
  const perSecond = (input.usdPerGpuHour / 3600) * input.gpus * input.seeds;
  return { ...input, usd: perSecond * input.expectedSeconds, ceilingUsd: perSecond * input.timeoutSeconds };
}

/**
 * Billed seconds beyond the train cap in a full run: container start, torch.compile and warm-up, the final
 * evaluation and serialization. The 1-GPU fixture log spent 134 s outside a 90 s cap; record scripts with
 * test-time training evaluate for up to 10 minutes. 5 minutes is the middle; the timeout bounds the rest.
 */
export const FULL_RUN_OVERHEAD_SECONDS = 300;

/** The estimate for the configured full tier: train cap + overhead per seed, the Modal timeout as worst case. */
export function estimateFullRun(full: FullTier, seeds: number): SpendEstimate {
  return estimateSpend({
    gpus: full.gpus,
    usdPerGpuHour: full.usdPerGpuHour,
    expectedSeconds: Math.min(full.trainSeconds + FULL_RUN_OVERHEAD_SECONDS, full.timeoutMinutes * 60),
    timeoutSeconds: full.timeoutMinutes * 60,
    seeds,
  });
}

/** Totals, the rate-limit window and the low-funds warning at time `nowMs`. */
export function spendSummary(ledger: SpendLedger, policy: SpendPolicy, nowMs: number): SpendSummary {
  checkPolicy(policy);
  let spentUsd = 0;
  let heldUsd = 0;
  let heldCeilingUsd = 0;
  for (const e of ledger.entries) {
    if (e.state === "settled") spentUsd += e.costUsd ?? 0;
    if (e.state === "reserved") {
      heldUsd += e.estimateUsd;
      heldCeilingUsd += e.ceilingUsd;
    }
  }
  const availableUsd = policy.totalUsd - spentUsd - heldUsd;
  const recent = runsInWindow(ledger, nowMs);
  const limit = policy.maxFullRunsPerHour;
  let nextSlotAt: string | null = null;
  if (limit > 0 && recent.length >= limit) {
    // The slot frees when enough of the window's oldest runs age out of it.
    const freeing = recent[recent.length - limit];
    nextSlotAt = freeing ? new Date(Date.parse(freeing.reservedAt) + HOUR_MS).toISOString() : null;
  }
  const warning =
    policy.reserveUsd > 0 && availableUsd < 2 * policy.reserveUsd
      ? `${usd(availableUsd)} left, under twice the ${usd(policy.reserveUsd)} reserve`
      : null;
  return {
    totalUsd: policy.totalUsd,
    reserveUsd: policy.reserveUsd,
    spentUsd,
    heldUsd,
    heldCeilingUsd,
    availableUsd,
    spendableUsd: Math.max(0, availableUsd - policy.reserveUsd),
    runsLastHour: recent.length,
    maxFullRunsPerHour: limit,
    nextSlotAt,
    warning,
    open: ledger.entries
      .filter((e) => e.state === "reserved")
      .map((e) => ({
        ...e,
        stale: nowMs - Date.parse(e.reservedAt) > e.timeoutSeconds * 1000 + STALE_AFTER_MS,
      })),
    settled: ledger.entries.filter((e) => e.state === "settled"),
  };
}

/**
 * Holds the estimate of a paid run before it is dispatched, or says why not. Idempotent by key: the same
 * key while reserved returns the existing reservation; after settlement it is refused (that run happened);
 * after release it may be reserved again.
 */
export function reserveSpend(
  ledger: SpendLedger,
  policy: SpendPolicy,
  request: { key: string; label: string; estimate: SpendEstimate },
  nowMs: number,
): ReserveVerdict {
  checkPolicy(policy);
  const { key, label, estimate } = request;
  if (key.trim() === "") throw new UserError("spend: a reservation needs a non-empty key");
  const existing = ledger.entries.find((e) => e.key === key);
  if (existing?.state === "reserved") {
    return {
      ok: true,
      ledger,
      entry: existing,
      idempotent: true,
      reason: `already reserved ${usd(existing.estimateUsd)} for ${existing.label} at ${existing.reservedAt}`,
      warning: spendSummary(ledger, policy, nowMs).warning,
    };
  }
  const refuse = (code: ReserveRefusal, reason: string): ReserveVerdict => ({
    ok: false,
    code,
    reason,
    ledger,
  });
  if (existing?.state === "settled") {
    return refuse(
      "already-ran",
      `${existing.label} already ran (settled ${usd(existing.costUsd ?? 0)} at ${existing.closedAt})`,
    );
  }
  if (!(policy.totalUsd > 0)) {
    return refuse("no-credits", "no credits configured: set budget.total_usd in .github/caddie.yml");
  }
  if (!(policy.maxFullRunsPerHour > 0)) {
    return refuse("runs-off", "paid runs are off: budget.max_full_runs_per_hour is 0");
  }
  const summary = spendSummary(ledger, policy, nowMs);
  if (summary.nextSlotAt !== null) {
    return refuse(
      "rate-limit",
      `${summary.runsLastHour} paid run${summary.runsLastHour === 1 ? "" : "s"} in the last hour (max ${policy.maxFullRunsPerHour}); next slot at ${summary.nextSlotAt}`,
    );
  }
  if (estimate.usd > summary.spendableUsd) {
    return refuse(
      "reserve-floor",
      `estimate ${usd(estimate.usd)} is more than the ${usd(summary.spendableUsd)} available above the ${usd(policy.reserveUsd)} reserve (${usd(summary.availableUsd)} of ${usd(policy.totalUsd)} left)`,
    );
  }
  // Worst case: this run and every run in flight all billed up to their Modal timeouts.
  const worstLeft = policy.totalUsd - summary.spentUsd - summary.heldCeilingUsd;
  if (estimate.ceilingUsd > worstLeft) {
    const inFlight =
      summary.heldCeilingUsd > 0
        ? ` after the ${usd(summary.heldCeilingUsd)} worst case of runs in flight`
        : "";
    return refuse(
      "over-total",
      `worst case ${usd(estimate.ceilingUsd)} (every seed running to the ${estimate.timeoutSeconds} s Modal timeout) is more than the ${usd(Math.max(0, worstLeft))} left${inFlight}`,
    );
  }
  const entry: SpendEntry = {
    key,
    label,
    state: "reserved",
    gpus: estimate.gpus,
    usdPerGpuHour: estimate.usdPerGpuHour,
    seeds: estimate.seeds,
    expectedSeconds: estimate.expectedSeconds,
    timeoutSeconds: estimate.timeoutSeconds,
    estimateUsd: estimate.usd,
    ceilingUsd: estimate.ceilingUsd,
    reservedAt: new Date(nowMs).toISOString(),
    closedAt: null,
    measuredSeconds: null,
    costUsd: null,
    note: null,
  };
  const next: SpendLedger = {
    version: 1,
    entries: existing ? ledger.entries.map((e) => (e.key === key ? entry : e)) : [...ledger.entries, entry],
  };
  const left = summary.availableUsd - estimate.usd;
  const warning =
    policy.reserveUsd > 0 && left < 2 * policy.reserveUsd
      ? `after this run about ${usd(left)} will be left, under twice the ${usd(policy.reserveUsd)} reserve`
      : null;
  return {
    ok: true,
    ledger: next,
    entry,
    idempotent: false,
    reason: `reserved ${usd(estimate.usd)} (worst case ${usd(estimate.ceilingUsd)}) for ${label}; ${usd(left)} left after it`,
    warning,
  };
}

/**
 * Records what a run cost, from its measured billed seconds (summed over seeds). Settling again with the
 * same seconds changes nothing; with different seconds it corrects the record. A released entry can be
 * settled too: if GPUs were billed after all, the money was spent.
 */
export function settleSpend(
  ledger: SpendLedger,
  key: string,
  settlement: { measuredSeconds: number; nowMs: number; note?: string | null },
): { ledger: SpendLedger; entry: SpendEntry } {
  const existing = find(ledger, key);
  if (!(settlement.measuredSeconds >= 0) || !Number.isFinite(settlement.measuredSeconds))
    throw new UserError(`spend: measured seconds must be a number >= 0, got ${settlement.measuredSeconds}`);
  if (existing.state === "settled" && existing.measuredSeconds === settlement.measuredSeconds) {
    return { ledger, entry: existing };
  }
  const entry: SpendEntry = {
    ...existing,
    state: "settled",
    closedAt: new Date(settlement.nowMs).toISOString(),
    measuredSeconds: settlement.measuredSeconds,
    costUsd: (existing.usdPerGpuHour / 3600) * existing.gpus * settlement.measuredSeconds,
    note: settlement.note ?? null,
  };
  return { ledger: replace(ledger, entry), entry };
}

/** Frees a reservation whose run never started (dispatch failed, refused, cancelled before start). */
export function releaseSpend(
  ledger: SpendLedger,
  key: string,
  release: { nowMs: number; reason: string },
): { ledger: SpendLedger; entry: SpendEntry } {
  const existing = find(ledger, key);
  if (existing.state === "released") return { ledger, entry: existing };
  if (existing.state === "settled") {
    throw new UserError(
      `spend: ${existing.label} is settled (${usd(existing.costUsd ?? 0)} spent); a settled run cannot be released`,
    );
  }
  const entry: SpendEntry = {
    ...existing,
    state: "released",
    closedAt: new Date(release.nowMs).toISOString(),
    costUsd: 0,
    note: release.reason,
  };
  return { ledger: replace(ledger, entry), entry };
}

/**
 * Records money spent by a paid run caddie did not reserve (someone dispatched the promotion workflow
 * by hand): settled at once, with no estimate behind it, so it counts against the total like any other
 * spend and shows in /budget. Idempotent by key.
 */
export function recordUnbudgeted(
  ledger: SpendLedger,
  run: { key: string; label: string; gpus: number; usdPerGpuHour: number; measuredSeconds: number },
  nowMs: number,
  note: string,
): { ledger: SpendLedger; entry: SpendEntry } {
  const existing = ledger.entries.find((e) => e.key === run.key);
  if (existing) return { ledger, entry: existing };
  if (!(run.measuredSeconds >= 0) || !Number.isFinite(run.measuredSeconds))
    throw new UserError(`spend: measured seconds must be a number >= 0, got ${run.measuredSeconds}`);
  const at = new Date(nowMs).toISOString();
  const entry: SpendEntry = {
    key: run.key,
    label: run.label,
    state: "settled",
    gpus: run.gpus,
    usdPerGpuHour: run.usdPerGpuHour,
    seeds: 1,
    expectedSeconds: 0,
    timeoutSeconds: 0,
    estimateUsd: 0,
    ceilingUsd: 0,
    reservedAt: at,
    closedAt: at,
    measuredSeconds: run.measuredSeconds,
    costUsd: (run.usdPerGpuHour / 3600) * run.gpus * run.measuredSeconds,
    note,
  };
  return { ledger: { version: 1, entries: [...ledger.entries, entry] }, entry };
}

/** The ledger as stored (stable key order, one trailing newline). */
export function formatSpendLedger(ledger: SpendLedger): string {
  return `${JSON.stringify(ledger, null, 2)}\n`;
}

/** Reads a stored ledger; a malformed one is a UserError naming what is wrong. */
export function parseSpendLedger(text: string): SpendLedger {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new UserError("spend ledger is not valid JSON");
  }
  if (!isRecord(doc) || doc.version !== 1 || !Array.isArray(doc.entries))
    throw new UserError('spend ledger must be {"version": 1, "entries": [...]}');
  const seen = new Set<string>();
  const entries = doc.entries.map((raw, i): SpendEntry => {
    const entry = readEntry(raw, i);
    if (seen.has(entry.key)) throw new UserError(`spend ledger entry ${i}: duplicate key "${entry.key}"`);
    seen.add(entry.key);
    return entry;
  });
  return { version: 1, entries };
}

/** Dollars with cents, for reasons and renderers. */
export function usd(amount: number): string {
  const sign = amount < 0 ? "-" : "";
  return `${sign}$${Math.abs(amount).toFixed(2)}`;
}

function checkPolicy(policy: SpendPolicy): void {
  if (!(policy.totalUsd >= 0) || !Number.isFinite(policy.totalUsd))
    throw new UserError(`budget.total_usd must be a number >= 0, got ${policy.totalUsd}`);
  if (!(policy.reserveUsd >= 0) || !Number.isFinite(policy.reserveUsd))
    throw new UserError(`budget.reserve_usd must be a number >= 0, got ${policy.reserveUsd}`);
  if (!Number.isInteger(policy.maxFullRunsPerHour) || policy.maxFullRunsPerHour < 0)
    throw new UserError(
      `budget.max_full_runs_per_hour must be a whole number >= 0, got ${policy.maxFullRunsPerHour}`,
    );
}

function runsInWindow(ledger: SpendLedger, nowMs: number): SpendEntry[] {
  // Released reservations never ran, so they do not count against the rate limit.
  return ledger.entries
    .filter((e) => e.state !== "released" && nowMs - Date.parse(e.reservedAt) < HOUR_MS)
    .sort((a, b) => Date.parse(a.reservedAt) - Date.parse(b.reservedAt));
}

function find(ledger: SpendLedger, key: string): SpendEntry {
  const entry = ledger.entries.find((e) => e.key === key);
  if (!entry) throw new UserError(`spend: no reservation with key "${key}"`);
  return entry;
}

function replace(ledger: SpendLedger, entry: SpendEntry): SpendLedger {
  return { version: 1, entries: ledger.entries.map((e) => (e.key === entry.key ? entry : e)) };
}

function positive(name: string, value: number, opts: { integer?: boolean } = {}): void {
  if (!(value > 0) || !Number.isFinite(value) || (opts.integer && !Number.isInteger(value)))
    throw new UserError(
      `spend: ${name} must be a positive ${opts.integer ? "whole number" : "number"}, got ${value}`,
    );
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

const STATES: readonly SpendState[] = ["reserved", "settled", "released"];

function readEntry(raw: unknown, i: number): SpendEntry {
  const at = `spend ledger entry ${i}`;
  if (!isRecord(raw)) throw new UserError(`${at}: must be an object`);
  const str = (k: string): string => {
    const v = raw[k];
    if (typeof v !== "string" || v === "") throw new UserError(`${at}: ${k} must be a non-empty string`);
    return v;
  };
  const num = (k: string): number => {
    const v = raw[k];
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0)
      throw new UserError(`${at}: ${k} must be a number >= 0`);
    return v;
  };
  const nullable = <T>(k: string, read: (k: string) => T): T | null => (raw[k] === null ? null : read(k));
  const time = (k: string): string => {
    const v = str(k);
    if (Number.isNaN(Date.parse(v))) throw new UserError(`${at}: ${k} must be an ISO 8601 time`);
    return v;
  };
  const state = raw.state;
  if (typeof state !== "string" || !(STATES as readonly string[]).includes(state))
    throw new UserError(`${at}: state must be one of ${STATES.join(", ")}`);
  return {
    key: str("key"),
    label: str("label"),
    state: state as SpendState,
    gpus: num("gpus"),
    usdPerGpuHour: num("usdPerGpuHour"),
    seeds: num("seeds"),
    expectedSeconds: num("expectedSeconds"),
    timeoutSeconds: num("timeoutSeconds"),
    estimateUsd: num("estimateUsd"),
    ceilingUsd: num("ceilingUsd"),
    reservedAt: time("reservedAt"),
    closedAt: nullable("closedAt", time),
    measuredSeconds: nullable("measuredSeconds", num),
    costUsd: nullable("costUsd", num),
    note: nullable("note", str),
  };
}
