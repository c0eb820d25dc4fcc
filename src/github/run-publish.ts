/**
 * Phase 3 of finished training runs (in parallel, no lock): what the humans see, published from what the
 * decision recorded as owed: the `caddie / proxy` check, the sticky report, the ANALYSIS comment (with the
 * error and log tail for a crash), the close.
 */
import type { Owed } from "./bot-state.ts";
import { publishOwed, stateView } from "./publish-owed.ts";
import type { ReadySession } from "./repo-session.ts";
import type { Decided } from "./run-types.ts";

/** Writes nothing to caddie/state; returns what is still owed (failed writes), for a caller holding the lock. */
export async function publishRun(session: ReadySession, d: Decided): Promise<Owed | null> {
  if (d.kind === "ignored" || d.kind === "duplicate") return null;
  const owed = d.exp.owed;
  if (!owed) return null;
  return publishOwed(session, {
    id: d.id,
    exp: d.exp,
    owed,
    view: d.view ?? (await stateView(session)),
    confirm: false,
  });
}
