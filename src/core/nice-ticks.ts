/** Axis ticks a reader can take in at a glance: round numbers, evenly spaced. */

/** Evenly spaced round ticks (1, 2 or 5 x 10^k) covering [min, max] with a margin; a flat range is widened. */
export function niceTicks(
  min: number,
  max: number,
  target: number,
): { lo: number; hi: number; ticks: number[]; decimals: number } {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return niceTicks(0, 1, target);
  // A range below floating-point resolution at this magnitude is flat: its ticks could not span it.
  const flat = max - min <= Math.abs(max) * 1e-9;
  const spread = flat ? Math.max(Math.abs(max) * 0.01, 0.001) : max - min;
  const step = niceStep(spread / target);
  const lo = Math.floor((min - spread * 0.06) / step) * step;
  const hi = Math.ceil((max + spread * 0.06) / step) * step;
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  const ticks: number[] = [];
  for (let k = 0; lo + k * step <= hi + step / 2; k++) ticks.push(Number((lo + k * step).toFixed(decimals)));
  return { lo, hi, ticks, decimals };
}

/** The round step (1, 2 or 5 x 10^k) at or above `raw`; 1 for a non-positive raw step. */
export function niceStep(raw: number): number {
  if (!(raw > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(raw));
  const mantissa = raw / power;
  return (mantissa <= 1 ? 1 : mantissa <= 2 ? 2 : mantissa <= 5 ? 5 : 10) * power;
}
