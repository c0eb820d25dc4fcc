/** `pull_request.closed` by a person: an open experiment closed by hand frees its slot at once. */
import type { Context } from "probot";
import { isBot } from "./on-comment.ts";
import { tick } from "./on-tick.ts";
import { handled, locked, sessionFor, type AppRuntime, type ReadySession } from "./repo-session.ts";
import { withConfig } from "./with-config.ts";

async function closedByHand(r: ReadySession, number: number): Promise<"ignored" | "closed by a human"> {
  const bot = r.store.bot();
  const entry = Object.entries(bot.experiments).find(([, e]) => e.pr === number && e.status === "open");
  if (!entry) return "ignored";
  r.store.setBot({
    ...bot,
    experiments: { ...bot.experiments, [entry[0]]: { ...entry[1], status: "closed" } },
  });
  await tick(r, { reconcile: false });
  return "closed by a human";
}

export async function onPullClosed(app: AppRuntime, context: Context<"pull_request.closed">): Promise<void> {
  if (isBot(context.payload.sender)) return;
  const session = sessionFor(app, context);
  const number = context.payload.pull_request.number;
  await locked(session, async () => {
    handled(session, "pull_request.closed", await withConfig(session, (r) => closedByHand(r, number)));
  });
}
