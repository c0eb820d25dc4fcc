/**
 * One worker per slot, all holding turns on one baton (baton.ts): the caller holds the baton, each
 * worker runs with it, and the caller gets it back when every worker is done. A worker that throws stops
 * no one mid-run: `onError` is told at once (so the others start nothing new), the others finish what
 * they train, and the first error is thrown after.
 */
import type { Slot } from "../core/slots.ts";
import type { Baton } from "./baton.ts";

export async function onSlots(
  slots: Slot[],
  baton: Baton,
  worker: (slot: Slot) => Promise<void>,
  onError: () => void = () => undefined,
): Promise<void> {
  const results = await baton.without(() =>
    Promise.allSettled(
      slots.map(async (slot) => {
        await baton.take();
        try {
          await worker(slot);
        } catch (error) {
          onError();
          throw error;
        } finally {
          baton.give();
        }
      }),
    ),
  );
  const failed = results.find((r) => r.status === "rejected");
  if (failed) throw failed.reason;
}

/** Wakes whoever waits for the next decision (a slot whose proposal repeated one in flight). */
export class Wakeup {
  private waiting: (() => void)[] = [];

  /** Resolves at the next wake(), or at once when the signal is aborted. */
  next(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        signal?.removeEventListener("abort", done);
        resolve();
      };
      this.waiting.push(done);
      signal?.addEventListener("abort", done, { once: true });
    });
  }

  wake(): void {
    for (const done of this.waiting.splice(0)) done();
  }
}
