/** Experiment ids sort in run order: exp-000 is the baseline. */
export function experimentId(index: number): string {
  return `exp-${String(index).padStart(3, "0")}`;
}
