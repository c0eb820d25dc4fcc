import type { Decision } from "../core/decide.ts";
import type { LedgerRow } from "../core/ledger.ts";
import type { RunLogSummary } from "../core/parse-run-log.ts";

export type RunKind = "baseline" | "experiment" | "fix";

/** What a front door may show while the loop works; every callback is optional. */
export interface LoopEvents {
  runStarted?(run: { id: string; kind: RunKind; description: string; commit: string }): void;
  runLine?(id: string, line: string): void;
  runFinished?(run: { id: string; row: LedgerRow; decision: Decision; summary: RunLogSummary }): void;
  /** Dead ends, plateaus, backtracks and other things worth a line of their own. */
  notice?(text: string): void;
}
