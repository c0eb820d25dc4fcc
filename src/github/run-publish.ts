/**
 * Phase 3 of finished training runs (in parallel, no lock): what the humans see, published from what the
 * decision recorded as owed: the `caddie / proxy` check, the sticky report, the ANALYSIS comment (with the
 * error and log tail for a crash), the close.
 */
import type { Owed } from "./bot-state.ts";
import { publishOwed, stateView } from "./publish-owed.ts";
import type { ReadySession } from "./repo-session.ts";
import { saveExperiment } from "./run-decide.ts";
import type { Decided } from "./run-types.ts";

/**
 * Writes nothing to caddie/state; returns what is still owed (failed writes), for a caller holding the
 * lock, and leaves it for the next tick to record (`recordPublished`), so what landed is not looked up again.
 */
export async function publishRun(session: ReadySession, d: Decided): Promise<Owed | null> {
  if (d.kind === "ignored" || d.kind === "duplicate") return null;
  const owed = d.exp.owed;
  if (!owed) return null;
  const left = await publishOwed(session, {
    id: d.id,
    exp: d.exp,
    owed,
    view: d.view ?? (await stateView(session)),
    confirm: false,
  });
  session.runtime.published.set(d.id, { run: owed.run, left });
  return left;
}

/** Under the lock: what was published since is no longer owed (only for the same run's decision). */
export function recordPublished(session: ReadySession): void {
  for (const [id, { run, left }] of session.runtime.published) {
    const exp = session.store.bot().experiments[id];
    if (exp?.owed && exp.owed.run === run) saveExperiment(session, id, { ...exp, owed: left });
  }
  session.runtime.published.clear();
}
