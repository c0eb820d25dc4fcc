/**
 * Group commit for one repository: items submitted while the repository's lock is busy are handled
 * together by whoever gets the lock next, in one pass and one state commit. Twenty results arriving at
 * once become one or two commits instead of twenty queued read-decide-write rounds.
 */
import type { KeyedLock } from "./keyed-lock.ts";

interface Waiting<I, O> {
  item: I;
  resolve: (value: O) => void;
  reject: (error: unknown) => void;
}

export class Batcher<I, O> {
  private queue: Waiting<I, O>[] = [];

  constructor(
    private readonly lock: KeyedLock,
    private readonly key: string,
    private readonly work: (items: I[]) => Promise<O[]>,
  ) {}

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      void this.lock.run(this.key, () => this.drain());
    });
  }

  private async drain(): Promise<void> {
    const batch = this.queue.splice(0);
    if (batch.length === 0) return;
    try {
      const out = await this.work(batch.map((w) => w.item));
      batch.forEach((w, i) => w.resolve(out[i] as O));
    } catch (error) {
      batch.forEach((w) => w.reject(error));
    }
  }
}
