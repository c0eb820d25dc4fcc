/**
 * Slash commands from newly created comments. Bots (our App included) are ignored; a comment without a
 * command is ignored; anything else goes through handleCommand (authorization, SHA binding, idempotency),
 * bound to the pull request's head SHA read now, with a 👀 reaction on receipt.
 */
import type { GitHubStore } from "./github-store.ts";
import { handleCommand, type CommandOutcome } from "./handle-command.ts";
import { parseCommand } from "./parse-command.ts";
import type { ReadySession, RepoSession } from "./repo-session.ts";

export interface CommentEvent {
  issueNumber: number;
  isPull: boolean;
  commentId: number;
  createdAt: string | null;
  body: string;
  sender: { login: string; type: string };
}

export type CommentOutcome = CommandOutcome | "ignored: bot" | "ignored: no command";

export function isBot(actor: { login: string; type: string }): boolean {
  return actor.type === "Bot" || actor.login.endsWith("[bot]");
}

/** Returns a short outcome (for logs and tests). `session` has a store; `ready` is null when the config is broken. */
export async function onComment(
  session: RepoSession,
  store: GitHubStore,
  ready: ReadySession | null,
  ev: CommentEvent,
): Promise<CommentOutcome> {
  if (isBot(ev.sender)) return "ignored: bot";
  const parsed = parseCommand(ev.body);
  if (parsed.kind === "none") return "ignored: no command";
  return handleCommand(session, store, ready, {
    eventKey: `comment:${ev.commentId}`,
    createdAt: ev.createdAt,
    issueNumber: ev.issueNumber,
    isPull: ev.isPull,
    sender: ev.sender,
    command: parsed,
    boundSha: null,
    acknowledge: async () => {
      await session.gh.rest.reactions.createForIssueComment({
        ...session.repo,
        comment_id: ev.commentId,
        content: "eyes",
      });
    },
  });
}
