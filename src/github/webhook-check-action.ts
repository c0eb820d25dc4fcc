/** `check_run.requested_action`: the Promote button on a `caddie / proxy` check, the same path as `/promote`. */
import type { Context } from "probot";
import { GitHubStore } from "./github-store.ts";
import { isBot } from "./on-comment.ts";
import { onRequestedAction } from "./on-requested-action.ts";
import { handled, locked, sessionFor, stateBranch, type AppRuntime } from "./repo-session.ts";
import { readyOrNull } from "./with-config.ts";

export async function onCheckAction(
  app: AppRuntime,
  context: Context<"check_run.requested_action">,
): Promise<void> {
  const { check_run: check, requested_action: action, sender } = context.payload;
  if (isBot(sender)) return;
  const session = sessionFor(app, context);
  await locked(session, async () => {
    const r = await readyOrNull(session);
    const outcome = await onRequestedAction(
      session,
      r?.store ?? (await GitHubStore.open(stateBranch(session))),
      r,
      {
        identifier: action?.identifier ?? "",
        check: { id: check.id, name: check.name, headSha: check.head_sha, externalId: check.external_id },
        sender: { login: sender.login, type: sender.type },
      },
    );
    handled(session, "requested_action", outcome);
  });
}
