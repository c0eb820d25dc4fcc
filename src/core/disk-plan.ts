/**
 * Will the disk hold the runs ahead? A run folder peaks while the run writes its raw checkpoint and
 * shrinks once caddie drops it; what stays (log, compressed model, code) adds up over a session.
 */
export interface DiskPlanInput {
  freeBytes: number;
  /** Largest run folder seen before retention (null: no run measured yet). */
  peakRunBytes: number | null;
  /** Largest run folder seen after retention. */
  keptRunBytes: number | null;
  /** Runs still to come in this session. */
  runsLeft: number;
}

export interface DiskPlan {
  /** Set when even one more run would not fit: stop before starting it. */
  stop: string | null;
  /** Set when the session's remaining runs would not fit. */
  warn: string | null;
}

/** Below this, nothing is started whatever the estimate. */
export const MIN_FREE_BYTES = 64 * 1024 * 1024;

export function formatBytes(n: number): string {
  const units = ["B", "KB", "MB", "GB", "TB"];
  let v = n;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${v.toFixed(v < 10 && u > 0 ? 1 : 0)} ${units[u]}`;
}

export function planDisk(input: DiskPlanInput): DiskPlan {
  const peak = Math.max(input.peakRunBytes ?? 0, MIN_FREE_BYTES);
  const free = formatBytes(input.freeBytes);
  if (input.freeBytes < peak)
    return {
      stop: `only ${free} free on the disk of the run folders; a run needs about ${formatBytes(peak)}: free some space (old run folders under .caddie/ can go) and run again`,
      warn: null,
    };
  const need = peak + Math.max(0, input.runsLeft - 1) * (input.keptRunBytes ?? 0);
  const warn =
    input.keptRunBytes !== null && input.freeBytes < need
      ? `${free} free; the ${input.runsLeft} run(s) left need about ${formatBytes(need)} (${formatBytes(input.keptRunBytes)} kept per run): the disk may fill before the session ends`
      : null;
  return { stop: null, warn };
}
