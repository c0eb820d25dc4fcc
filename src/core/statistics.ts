/**
 * Small-sample statistics for seeds and tiers: mean, sample standard deviation, one-sided t-tests
 * (Welch for two samples, Student for one), Pearson and Spearman correlation, mean paired delta.
 *
 * "Not enough data" is a real answer: every function returns null rather than a made-up number when the
 * sample is too small or has no spread. The Student-t distribution is computed here from the regularized
 * incomplete beta function (Numerical Recipes, 3rd ed., 6.1 and 6.4), so the p-values need no dependency.
 */

/** Arithmetic mean; null for an empty sample. */
export function mean(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  let sum = 0;
  for (const x of xs) sum += x;
  return sum / xs.length;
}

/** Sample variance (n - 1 in the denominator); null under two values. */
export function variance(xs: readonly number[]): number | null {
  const m = mean(xs);
  if (m === null || xs.length < 2) return null;
  let ss = 0;
  for (const x of xs) ss += (x - m) ** 2;
  return ss / (xs.length - 1);
}

/** Sample standard deviation (n - 1); null under two values. */
export function std(xs: readonly number[]): number | null {
  const v = variance(xs);
  return v === null ? null : Math.sqrt(v);
}

/** Result of a one-sided t-test. */
export interface TTestResult {
  /** The t statistic; negative when the first sample is below the reference. */
  t: number;
  /** Degrees of freedom (Welch-Satterthwaite for two samples, n - 1 for one). */
  df: number;
  /** One-sided p-value for the alternative "the sample mean is below the reference minus the margin". */
  pValue: number;
  /** Mean of the first sample minus the reference mean (negative = lower). */
  diff: number;
}

/**
 * One-sided Welch t-test of H1: mean(a) < mean(b) - margin (lower is better, as for val_bpb).
 * With margin 0 this is the usual test; a positive margin asks "lower by at least margin", the form
 * record READMEs use (a t-test against the incumbent minus 0.005).
 * Null when either sample has under two values or both have zero spread (the t statistic is undefined).
 */
export function welchTTestLess(a: readonly number[], b: readonly number[], margin = 0): TTestResult | null {
  const ma = mean(a);
  const mb = mean(b);
  const va = variance(a);
  const vb = variance(b);
  if (ma === null || mb === null || va === null || vb === null) return null;
  const sa = va / a.length;
  const sb = vb / b.length;
  const se2 = sa + sb;
  if (!(se2 > 0)) return null;
  const t = (ma - (mb - margin)) / Math.sqrt(se2);
  // Welch-Satterthwaite; a zero-variance sample contributes nothing to the denominator.
  const df = (se2 * se2) / ((sa * sa) / (a.length - 1) + (sb * sb) / (b.length - 1));
  return { t, df, pValue: studentTCdf(t, df), diff: ma - mb };
}

/**
 * One-sided one-sample t-test of H1: mean(a) < reference - margin. Used when the incumbent is a single
 * published number (a leaderboard score) rather than a set of seeds. Null under two values or no spread.
 */
export function oneSampleTTestLess(a: readonly number[], reference: number, margin = 0): TTestResult | null {
  const m = mean(a);
  const s = std(a);
  if (m === null || s === null || !(s > 0) || !Number.isFinite(reference)) return null;
  const t = (m - (reference - margin)) / (s / Math.sqrt(a.length));
  const df = a.length - 1;
  return { t, df, pValue: studentTCdf(t, df), diff: m - reference };
}

/** Pearson correlation; null under three pairs or when either side has no spread. */
export function pearson(xs: readonly number[], ys: readonly number[]): number | null {
  if (xs.length !== ys.length)
    throw new RangeError(`pearson: ${xs.length} x values but ${ys.length} y values`);
  // Two points always lie on a line (r = +-1): that says nothing, so it is "not enough data".
  if (xs.length < 3) return null;
  const mx = mean(xs);
  const my = mean(ys);
  if (mx === null || my === null) return null;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < xs.length; i++) {
    const dx = (xs[i] ?? 0) - mx;
    const dy = (ys[i] ?? 0) - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (!(sxx > 0) || !(syy > 0)) return null;
  // Rounding can push |r| a hair past 1.
  return Math.max(-1, Math.min(1, sxy / Math.sqrt(sxx * syy)));
}

/** Spearman rank correlation (ties get their average rank); null like pearson. */
export function spearman(xs: readonly number[], ys: readonly number[]): number | null {
  if (xs.length !== ys.length)
    throw new RangeError(`spearman: ${xs.length} x values but ${ys.length} y values`);
  return pearson(ranks(xs), ranks(ys));
}

/** Mean of (after - before) over pairs; null without pairs. */
export function meanDelta(pairs: readonly { before: number; after: number }[]): number | null {
  return mean(pairs.map((p) => p.after - p.before));
}

/** 1-based ranks, ties sharing the average of the ranks they span. */
export function ranks(xs: readonly number[]): number[] {
  const order = xs.map((x, i) => ({ x, i })).sort((p, q) => p.x - q.x);
  const out = new Array<number>(xs.length).fill(0);
  let start = 0;
  while (start < order.length) {
    let end = start;
    while (end + 1 < order.length && order[end + 1]?.x === order[start]?.x) end++;
    const rank = (start + end) / 2 + 1;
    for (let k = start; k <= end; k++) {
      const item = order[k];
      if (item) out[item.i] = rank;
    }
    start = end + 1;
  }
  return out;
}

/** P(T <= t) for Student's t with df degrees of freedom (df > 0, not necessarily whole). */
export function studentTCdf(t: number, df: number): number {
  if (!(df > 0)) throw new RangeError(`studentTCdf: df must be > 0, got ${df}`);
  if (Number.isNaN(t)) return Number.NaN;
  if (t === Infinity) return 1;
  if (t === -Infinity) return 0;
  // P(|T| > |t|) = I_{df/(df+t^2)}(df/2, 1/2); each tail is half of it.
  const tail = 0.5 * regularizedIncompleteBeta(df / (df + t * t), df / 2, 0.5);
  return t > 0 ? 1 - tail : tail;
}

/**
 * The p-quantile of Student's t with df degrees of freedom (0 < p < 1): the t with P(T <= t) = p, found by
 * bisection on studentTCdf (monotone), to about 1e-10. df = Infinity gives the standard normal quantile.
 */
export function studentTQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`studentTQuantile: p must be in (0, 1), got ${p}`);
  if (!(df > 0)) throw new RangeError(`studentTQuantile: df must be > 0, got ${df}`);
  const cdf = (t: number) => (df === Infinity ? normalCdf(t) : studentTCdf(t, df));
  let lo = -1;
  let hi = 1;
  while (cdf(lo) > p) lo *= 2;
  while (cdf(hi) < p) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-12 * Math.max(1, Math.abs(hi)); i++) {
    const mid = (lo + hi) / 2;
    if (cdf(mid) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** P(Z <= z) for the standard normal, from erfc (Numerical Recipes' Chebyshev fit, error < 1.2e-7). */
export function normalCdf(z: number): number {
  if (Number.isNaN(z)) return Number.NaN;
  return 0.5 * erfc(-z / Math.SQRT2);
}

function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 +
                            t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** The regularized incomplete beta function I_x(a, b) for 0 <= x <= 1, a, b > 0. */
export function regularizedIncompleteBeta(x: number, a: number, b: number): number {
  if (!(a > 0) || !(b > 0))
    throw new RangeError(`regularizedIncompleteBeta: a and b must be > 0, got ${a}, ${b}`);
  if (!(x >= 0 && x <= 1)) throw new RangeError(`regularizedIncompleteBeta: x must be in [0, 1], got ${x}`);
  if (x === 0) return 0;
  if (x === 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log1p(-x));
  // The continued fraction converges fast for x < (a+1)/(a+b+2); use the symmetry I_x(a,b) = 1 - I_{1-x}(b,a)
  // on the other side.
  if (x < (a + 1) / (a + b + 2)) return (front * betaContinuedFraction(x, a, b)) / a;
  return 1 - (front * betaContinuedFraction(1 - x, b, a)) / b;
}

/** Continued fraction for I_x(a, b), evaluated with the modified Lentz method. */
function betaContinuedFraction(x: number, a: number, b: number): number {
  const TINY = 1e-300;
  const EPS = 1e-15;
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 10_000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < EPS) return h;
  }
  return h;
}

// Lanczos approximation (g = 7, n = 9): about 15 significant digits for x > 0.
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Gamma(x) for x > 0. */
export function logGamma(x: number): number {
  if (!(x > 0)) throw new RangeError(`logGamma: x must be > 0, got ${x}`);
  if (x < 0.5) {
    // Reflection: Gamma(x) Gamma(1 - x) = pi / sin(pi x).
    return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  }
  const z = x - 1;
  let sum = LANCZOS[0] ?? 0;
  for (let i = 1; i < LANCZOS.length; i++) sum += (LANCZOS[i] ?? 0) / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}
