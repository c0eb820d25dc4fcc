/**
 * The one trivial-fix attempt after a crash, asked the same way by both front doors: the fixer reads the
 * crashed commit's allow-listed files, the run's error line (or that it printed none) and the log's last
 * lines, and its edits must stay inside the allow-list. The caller commits the fix as `fixId(id)` on the
 * line head (a crash never moves the line) and trains it once; a baseline or a fix never gets one.
 */
import { checkEdits } from "../core/allow-list.ts";
import type { Forge, Proposal, Proposer } from "./ports.ts";
import { readAllowedFiles } from "./read-allowed-files.ts";

/** Lines of a crashed run's log the fixer reads (and a person, in the App's crash comment). */
export const LOG_TAIL_LINES = 40;

/** A log's last lines: a run says why it crashed at its end. */
export function logTail(logText: string): string {
  return logText.replace(/\r\n?/g, "\n").trimEnd().split("\n").slice(-LOG_TAIL_LINES).join("\n");
}

/** The fix attempt's experiment id: `exp-007` -> `exp-007-fix`. */
export function fixId(id: string): string {
  return `${id}-fix`;
}

export async function askFix(
  deps: {
    forge: Pick<Forge, "readFile">;
    proposer: Pick<Proposer, "fix">;
    config: { allow: string[] };
  },
  crashed: { commit: string; proposal: Proposal; error: string | null; logText: string },
  signal?: AbortSignal,
): Promise<Proposal | null> {
  const files = await readAllowedFiles(deps.forge, crashed.commit, deps.config.allow);
  const fix = await deps.proposer.fix(
    {
      proposal: crashed.proposal,
      files,
      error: crashed.error ?? "the run printed no score",
      logTail: logTail(crashed.logText),
    },
    signal,
  );
  if (fix) checkEdits(fix.edits, deps.config.allow);
  return fix;
}
