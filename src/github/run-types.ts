/**
 * The shapes a finished training run passes through (prepare, decide, publish), apart from the phases'
 * code so the per-repository runtime can name them without importing the phases (no import cycle).
 */
import type { LedgerRow } from "../core/ledger.ts";
import type { Measurement } from "../engine/measure-outcome.ts";
import type { Settled } from "../engine/settle-run.ts";
import type { PendingExperiment } from "./bot-state.ts";
import type { RunResult } from "./fetch-run-result.ts";

/** A finished training run the App dispatched (verify-run.ts passed). */
export interface FinishedRun {
  id: number;
  attempt: number;
  conclusion: string | null;
  htmlUrl: string | null;
}

export interface Prepared {
  kind: "prepared";
  run: FinishedRun;
  id: string;
  key: string;
  result: RunResult;
  measurement: Measurement | null;
}

/** A run that needs no decision: not ours, or already acted on. */
export type Skipped = { kind: "ignored" } | { kind: "duplicate" };

/** The state right after a batch's commit, for rendering reports. */
export interface StateView {
  rows: LedgerRow[];
  competitors: string | undefined;
}

export interface DecidedBase {
  id: string;
  exp: PendingExperiment;
  run: FinishedRun;
  /** The state right after the batch's commit, for rendering the report. */
  view?: StateView;
}

export type Decided =
  | Skipped
  | (DecidedBase & { kind: "rejected"; error: string })
  | (DecidedBase & { kind: "rerun"; measurement: Measurement; note: string; rebased: boolean })
  | (DecidedBase & { kind: "settled"; measurement: Measurement; settled: Settled; logText: string });
