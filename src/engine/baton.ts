/**
 * One turn at a time for the loop's bookkeeping when several slots run at once: whoever holds the baton
 * reads and writes the ledger, notes, state and the research line; it is handed back only around the
 * long waits (a training run, a proposal), so slots train and propose side by side while every decision
 * is taken alone, on what the decisions before it wrote. Turns are first come, first served: the run
 * that finished first is decided first.
 */
export class Baton {
  private held = false;
  private readonly queue: (() => void)[] = [];

  /** Waits for the baton. */
  take(): Promise<void> {
    if (!this.held) {
      this.held = true;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.queue.push(resolve));
  }

  /** Hands the baton to the next in line. */
  give(): void {
    const next = this.queue.shift();
    if (next) next();
    else this.held = false;
  }

  /** Runs a long wait without the baton, and takes it back before going on. */
  async without<T>(wait: () => Promise<T>): Promise<T> {
    this.give();
    try {
      return await wait();
    } finally {
      await this.take();
    }
  }
}
