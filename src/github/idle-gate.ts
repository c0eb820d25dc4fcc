/**
 * Counts work in flight per repository and lets lower-priority work wait until none is: the refill tick
 * (proposing and opening new experiments) waits until the results arriving now have been decided.
 */
export class IdleGate {
  private count = 0;
  private waiters: (() => void)[] = [];

  enter(): void {
    this.count++;
  }

  leave(): void {
    this.count = Math.max(0, this.count - 1);
    if (this.count === 0) for (const resolve of this.waiters.splice(0)) resolve();
  }

  whenIdle(): Promise<void> {
    return this.count === 0 ? Promise.resolve() : new Promise((resolve) => this.waiters.push(resolve));
  }
}
