/**
 * The scoring step after a run: caddie's own score from the deps' Scorer. Whatever goes wrong (no scorer
 * wired, a scorer that throws) becomes an `unverified` score with the reason, so a run is never lost and
 * the loop never stops because a model could not be scored.
 */
import { unverifiedScore, type ScoreResult } from "../core/score-result.ts";
import type { LoopDeps } from "./loop-deps.ts";
import type { ScoreRequest } from "./ports.ts";

export async function scoreRun(deps: LoopDeps, request: ScoreRequest): Promise<ScoreResult> {
  if (!deps.scorer) return unverifiedScore("no scorer is configured for this loop");
  try {
    return await deps.scorer.score(request);
  } catch (error) {
    return unverifiedScore(
      `the scoring step failed: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}
