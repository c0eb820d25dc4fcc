import type { Decision } from "../core/decide.ts";
import type { LedgerRow } from "../core/ledger.ts";
import type { RunLogSummary } from "../core/parse-run-log.ts";
import type { RunTiming } from "../core/run-timing.ts";

/** `evidence`: a run a verdict asked for (the incumbent again, a paired seed, a confirmation). */
export type RunKind = "baseline" | "experiment" | "fix" | "evidence";

/** What a front door may show while the loop works; every callback is optional. */
export interface LoopEvents {
  /** `slot` names where it trains ("gpu 2") when several slots run at once. */
  runStarted?(run: { id: string; kind: RunKind; description: string; commit: string; slot?: string }): void;
  runLine?(id: string, line: string): void;
  runFinished?(run: {
    id: string;
    row: LedgerRow;
    decision: Decision;
    summary: RunLogSummary;
    /** Where the run's wall time went, when the runner measured it. */
    timing?: RunTiming;
  }): void;
  /** Dead ends, plateaus, backtracks and other things worth a line of their own. */
  notice?(text: string): void;
}
