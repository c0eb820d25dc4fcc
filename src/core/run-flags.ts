/**
 * Flags: reasons a run's result cannot be taken as measured. A flagged run is never kept, merged or
 * promoted automatically; a person can still keep it, on the record. Each flag carries a code (stable,
 * for the ledger and tests) and a sentence a competitor understands.
 */
export type RunFlagCode =
  /** The training loop ran past the tier's budget (by the log's own train time or by wall time). */
  | "over_budget"
  /** The run changed, added or removed training or validation data. */
  | "data_modified"
  /** The run changed caddie's own state files (results.tsv, state.json, notes.md). */
  | "state_tampered";

export interface RunFlag {
  code: RunFlagCode;
  /** What happened, in words: "the log's train time is 61.0 s, the budget 20 s". */
  detail: string;
}

/** The flag's name as shown to people ("over budget"). */
export function flagName(flag: RunFlag): string {
  return flag.code.replace(/_/g, " ");
}

/** One line for a ledger cell, a decision reason or a terminal: "over budget (...); data modified (...)". */
export function describeFlags(flags: readonly RunFlag[]): string {
  return flags.map((f) => `${flagName(f)} (${f.detail})`).join("; ");
}
