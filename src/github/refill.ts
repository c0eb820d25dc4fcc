/**
 * Right after decisions land, fill the free slots: one tick for however many decisions just landed, run
 * once the results arriving now have been decided (the repository's busy gate is idle).
 */
import { tick } from "./on-tick.ts";
import { locked, type RepoSession } from "./repo-session.ts";
import { withConfig } from "./with-config.ts";

export function refill(session: RepoSession): Promise<void> {
  const runtime = session.runtime;
  if (runtime.refill) return runtime.refill;
  const next = runtime.busy.whenIdle().then(() =>
    locked(session, async () => {
      runtime.refill = null;
      await withConfig(session, (r) => tick(r, { reconcile: false }));
    }),
  );
  runtime.refill = next;
  return next;
}
