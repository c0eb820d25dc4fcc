/**
 * The stale-base rule, for both front doors: a result measured while the research line moved (another
 * experiment was kept, or the line backtracked) compares the change with a line that is no longer there.
 * A would-be keep is therefore carried onto the new head (merged line by line, src/core/merge-lines.ts)
 * and trained again before it can be kept; when it no longer applies there, it is not kept. A discard or
 * crash stands as measured: it moves nothing.
 */
import type { Decision } from "../core/decide.ts";

export type StaleBase = "current" | "rerun";

export function staleBase(decision: Pick<Decision, "verdict">, base: string, head: string): StaleBase {
  return decision.verdict === "keep" && base !== head ? "rerun" : "current";
}
