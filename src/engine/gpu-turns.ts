/**
 * Overlap on one slot's GPUs (tiers.proxy.overlap): the slot's next run may start its process (imports,
 * data, compile, warm-up) while the run before it evaluates, serializes and is scored, but never while
 * another run of the slot starts up or trains. So two training loops never share the GPUs. Each run's time
 * on the GPUs is kept (from its turn until its score is in), so a run whose training loop overlapped
 * anything else there (the run before it was scored longer than this one took to start) is found and
 * flagged.
 */

/** One run's turn on the slot's GPUs. */
export interface GpuTurn {
  /** Its training loop ended (it evaluates now): the next run may start. Idempotent. */
  trainingEnded(): void;
  /** All of it is done on the GPUs (process and score). Idempotent. */
  done(): void;
  /** Other runs of the slot that were on the GPUs between `from` and `to` (ms), and for how long. */
  sharedWith(from: number, to: number): { seconds: number; with: string[] } | null;
}

interface Activity {
  id: string;
  start: number;
  end: number | null;
}

export class GpuTurns {
  /** The run before its training loop's end, if any: only one at a time. */
  private starting: symbol | null = null;
  private readonly waiting: (() => void)[] = [];
  private readonly activities = new Map<symbol, Activity>();

  constructor(private readonly now: () => number) {}

  /** Waits until no other run of the slot is starting up or training; resolves at once when aborted. */
  async begin(id: string, signal?: AbortSignal): Promise<GpuTurn> {
    const me = Symbol(id);
    while (this.starting !== null && !signal?.aborted) {
      await new Promise<void>((resolve) => {
        const go = () => {
          signal?.removeEventListener("abort", go);
          // Out of the queue (a wake-up is never spent on a run that stopped waiting).
          const at = this.waiting.indexOf(go);
          if (at !== -1) this.waiting.splice(at, 1);
          resolve();
        };
        this.waiting.push(go);
        signal?.addEventListener("abort", go, { once: true });
      });
    }
    if (this.starting === null) this.starting = me;
    this.activities.set(me, { id, start: this.now(), end: null });
    const release = () => {
      if (this.starting !== me) return;
      this.starting = null;
      this.waiting[0]?.();
    };
    return {
      trainingEnded: release,
      done: () => {
        release();
        const mine = this.activities.get(me);
        if (mine && mine.end === null) mine.end = this.now();
      },
      sharedWith: (from, to) => {
        let seconds = 0;
        const others: string[] = [];
        for (const [key, a] of this.activities) {
          if (key === me) continue;
          const overlap = Math.min(to, a.end ?? this.now()) - Math.max(from, a.start);
          if (overlap <= 0) continue;
          seconds += overlap / 1000;
          if (!others.includes(a.id)) others.push(a.id);
        }
        return others.length ? { seconds, with: others } : null;
      },
    };
  }
}
