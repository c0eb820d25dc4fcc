import { bestKept } from "../../engine/history.ts";
import type { StopReason } from "../../engine/research-loop.ts";
import { UserError } from "../../core/user-error.ts";
import type { LocalSessionResult } from "../local-session.ts";
import type { CommandIO } from "./command.ts";

const s = (seconds: number) => `${seconds.toFixed(0)} s`;

/** Parses a numeric flag; one clear error when it is not a (positive) number. */
export function positiveNumber(
  value: string | undefined,
  flag: string,
  options: { integer?: boolean; allowZero?: boolean } = {},
): number {
  const n = Number(value);
  const ok =
    value !== undefined && value.trim() !== "" && Number.isFinite(n) && (options.allowZero ? n >= 0 : n > 0);
  if (!ok || (options.integer && !Number.isInteger(n)))
    throw new UserError(
      `${flag} must be a ${options.allowZero ? "non-negative" : "positive"} ${options.integer ? "whole number" : "number"} (got '${value}')`,
    );
  return n;
}

/** 1 when the baseline failed (nothing could be judged), 130 when interrupted, else 0. */
export function sessionExitCode(stopReason: StopReason): number {
  if (stopReason === "baseline-crashed") return 1;
  return stopReason === "interrupted" ? 130 : 0;
}

/** The closing lines of a run or demo: best result, duty cycle, and where every file is. */
export async function printSessionEnd(result: LocalSessionResult, io: CommandIO): Promise<void> {
  const rows = await result.store.readLedger();
  const best = bestKept(rows, "proxy");
  const flagged = rows.filter((r) => r.flags.length > 0).length;
  const baseline = rows.find((r) => r.experiment === "exp-000")?.val_bpb ?? null;
  const { summary } = result;
  const duty = summary.wallSeconds > 0 ? summary.trainSeconds / summary.wallSeconds : 0;
  const { phases } = summary.time;
  const between = Math.max(0, summary.wallSeconds - summary.time.runSeconds - summary.time.scoreSeconds);
  const lines = [
    "",
    `stopped: ${summary.stopReason}; ${summary.experiments} experiment(s) after the baseline`,
    best
      ? `best: val_bpb ${best.valBpb.toFixed(4)} at ${best.commit.slice(0, 7)} (${best.experiment})${baseline !== null ? `, baseline ${baseline.toFixed(4)}` : ""}`
      : "best: none yet",
    `duty cycle: ${(duty * 100).toFixed(1)}% (${s(summary.trainSeconds)} of training loop in ${s(summary.wallSeconds)})`,
    `where the time went: start-up ${s(phases.startup)}, training ${s(phases.training)}, evaluation ${s(phases.evaluation)}, exit ${s(phases.exit)}, caddie's scoring ${s(summary.time.scoreSeconds)}, caddie between runs ${s(between)}`,
    ...(flagged > 0
      ? [`flagged: ${flagged} run(s) caddie would not trust (never kept; see the scorecard for why)`]
      : []),
    `scorecard:  ${result.scorecard.markdown}`,
    `chart:      ${result.scorecard.chart}`,
    `results:    ${result.store.ledgerFile}`,
    `notes:      ${result.store.notesFile}`,
    `best code:  git checkout ${result.lineBranch}`,
    "",
  ];
  io.stdout(lines.join("\n"));
}
