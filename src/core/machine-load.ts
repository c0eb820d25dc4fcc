/**
 * On a wall-clock tier a busier machine trains fewer steps in the same seconds, and a score that comes from
 * fewer steps is not a result. A slower change legitimately trains fewer steps, so the step time of a
 * candidate alone proves nothing; the incumbent, re-run in the same period, is the witness. A run is
 * flagged when the incumbent's step time now differs from its earlier runs by more than their own spread
 * allows (the machine changed), or when a change that cannot alter the step time (an optimizer or schedule
 * setting) ran at a step time other than the incumbent's now.
 *
 * Step times are compared as logarithms (a ratio, whatever the speed), against the Student-t bar of the
 * keep rule on the incumbent's earlier runs, and never tighter than `minShare` (10%): step times on an idle
 * GPU repeat so closely that a bar from their spread alone would flag any hiccup.
 */
import { criticalValue } from "./noise.ts";

export interface MachineLoadInput {
  /** Milliseconds per step of the incumbent's earlier runs on this tier. */
  incumbentBefore: readonly number[];
  /** Milliseconds per step of the incumbent re-run in the same period as the candidate. */
  incumbentNow: number;
  /** Milliseconds per step of the candidate. */
  candidate: number;
  /** True when the change cannot alter the step time (optimizer and schedule settings). */
  sameSpeedExpected: boolean;
  k: number;
  minShare?: number;
}

export function machineLoadFlag(input: MachineLoadInput): string | null {
  const { incumbentNow, candidate } = input;
  const before = input.incumbentBefore.filter((ms) => ms > 0 && Number.isFinite(ms));
  if (!(incumbentNow > 0) || !(candidate > 0) || before.length === 0) return null;
  const logs = before.map(Math.log);
  const mean = logs.reduce((a, b) => a + b, 0) / logs.length;
  const sd =
    logs.length >= 2 ? Math.sqrt(logs.reduce((s, l) => s + (l - mean) ** 2, 0) / (logs.length - 1)) : 0;
  const spread =
    logs.length >= 2 ? criticalValue(input.k, logs.length - 1) * sd * Math.sqrt(1 + 1 / logs.length) : 0;
  const tolerance = Math.max(Math.log(1 + (input.minShare ?? 0.1)), spread);
  const earlier = Math.exp(mean);
  const ms = (x: number) => `${x.toFixed(1)} ms/step`;
  if (Math.abs(Math.log(incumbentNow) - mean) > tolerance)
    return `machine load: the incumbent re-run in the same period took ${ms(incumbentNow)} against ${ms(earlier)} in its ${before.length} earlier run(s), more than their spread allows, so this run's steps reflect the machine, not the change`;
  if (input.sameSpeedExpected && Math.abs(Math.log(candidate / incumbentNow)) > tolerance)
    return `machine load: a change that cannot alter the step time ran at ${ms(candidate)} while the incumbent ran at ${ms(incumbentNow)} in the same period`;
  return null;
}

/** Milliseconds per training step from a log's own clock; null without both numbers. */
export function stepMs(summary: { train_time_ms: number | null; steps: number | null }): number | null {
  const { train_time_ms: ms, steps } = summary;
  return ms !== null && steps !== null && steps > 0 && ms > 0 ? ms / steps : null;
}
