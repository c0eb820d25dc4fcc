/** `repository_dispatch` of the tick event (the tick workflow's cron): reconcile, watch, fill free slots. */
import type { Context } from "probot";
import { tick } from "./on-tick.ts";
import { handled, locked, sessionFor, type AppRuntime } from "./repo-session.ts";
import { TICK_EVENT } from "./workflows.ts";
import { withConfig } from "./with-config.ts";

export async function onDispatch(app: AppRuntime, context: Context<"repository_dispatch">): Promise<void> {
  if (context.payload.action !== TICK_EVENT) return;
  const session = sessionFor(app, context);
  await locked(session, async () => {
    const outcome = await withConfig(session, (r) => tick(r, { reconcile: true, watch: true }));
    handled(session, "tick", outcome);
  });
}
