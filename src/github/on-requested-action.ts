/**
 * A click on a check run's button (`check_run.requested_action`). The only button is Promote on a
 * passing `caddie / proxy` check: it becomes `/promote` on the experiment's pull request, bound to the
 * check's head_sha, through the same handleCommand as a typed command (sender's collaborator permission,
 * bots ignored, idempotent on the delivery id and on (PR, SHA, command), the budget gate), with the reply
 * on the pull request.
 */
import { CHECK_NAME, PROMOTE_ACTION } from "./check-run.ts";
import type { GitHubStore } from "./github-store.ts";
import { handleCommand, type CommandOutcome } from "./handle-command.ts";
import { isBot } from "./on-comment.ts";
import type { ReadySession, RepoSession } from "./repo-session.ts";

export interface RequestedActionEvent {
  identifier: string;
  check: { id: number; name: string; headSha: string; externalId: string | null };
  sender: { login: string; type: string };
}

/** Seeds for a click: one, as for an automatic promotion; `/promote seeds=N` asks for more. */
export const BUTTON_SEEDS = 1;

/** Returns a short outcome (for logs and tests). `ready` is null when the config is broken. */
export async function onRequestedAction(
  session: RepoSession,
  store: GitHubStore,
  ready: ReadySession | null,
  ev: RequestedActionEvent,
): Promise<CommandOutcome | "ignored: bot" | "ignored: unknown action" | "ignored: not an experiment"> {
  if (isBot(ev.sender)) return "ignored: bot";
  if (ev.check.name !== CHECK_NAME || ev.identifier !== PROMOTE_ACTION.identifier)
    return "ignored: unknown action";
  // The check names its experiment (external_id); the SHA must be the one that experiment measured.
  const experiments = Object.entries(store.bot().experiments);
  const entry =
    experiments.find(([id]) => id === ev.check.externalId) ??
    experiments.find(([, e]) => e.commit === ev.check.headSha);
  if (!entry) return "ignored: not an experiment";
  return handleCommand(session, store, ready, {
    // Nothing in a click's signed body tells two clicks apart: one click per check and button counts.
    eventKey: `click:${ev.check.id}:${ev.identifier}`,
    issueNumber: entry[1].pr,
    isPull: true,
    sender: ev.sender,
    command: { kind: "command", name: "promote", seeds: BUTTON_SEEDS },
    boundSha: ev.check.headSha,
    // A click has no comment to react to: the reply is the acknowledgement.
    acknowledge: async () => {},
  });
}
