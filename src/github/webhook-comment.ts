/** `issue_comment.created`: slash commands from people; a command that changes the loop is followed by a tick. */
import type { Context } from "probot";
import { GitHubStore } from "./github-store.ts";
import { isBot, onComment, type CommentOutcome } from "./on-comment.ts";
import { tick } from "./on-tick.ts";
import { handled, locked, sessionFor, stateBranch, type AppRuntime } from "./repo-session.ts";
import { readyOrNull } from "./with-config.ts";

/** Outcomes after which the loop may act differently: tick at once rather than wait for cron. */
const CHANGES_LOOP: ReadonlySet<CommentOutcome> = new Set(["pause", "resume", "discarded", "kept"]);

export async function onIssueComment(
  app: AppRuntime,
  context: Context<"issue_comment.created">,
): Promise<void> {
  const { comment, issue, sender } = context.payload;
  if (isBot(sender) || isBot({ login: comment.user?.login ?? "", type: comment.user?.type ?? "" })) return;
  if (!comment.body.trimStart().startsWith("/") && !comment.body.includes("\n/")) return;
  const session = sessionFor(app, context);
  await locked(session, async () => {
    const r = await readyOrNull(session);
    const store = r?.store ?? (await GitHubStore.open(stateBranch(session)));
    const outcome = await onComment(session, store, r, {
      issueNumber: issue.number,
      isPull: issue.pull_request !== undefined && issue.pull_request !== null,
      commentId: comment.id,
      createdAt: comment.created_at ?? null,
      body: comment.body,
      sender: { login: sender.login, type: sender.type },
    });
    if (r && CHANGES_LOOP.has(outcome)) await tick(r, { reconcile: false });
    handled(session, "comment", outcome);
  });
}
