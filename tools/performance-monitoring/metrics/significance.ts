// Welch's two-sample t-test on summarised duration samples (docs/metrics.md): t, Welch–Satterthwaite df, two-sided p.
//
// Pure arithmetic, no I/O. The Student t tail is the regularized incomplete beta function,
// evaluated by the continued fraction of Numerical Recipes (modified Lentz), with log-gamma
// differences kept free of cancellation. Against mpmath (harness/significance-reference.py, a
// grid of 456 (t, df) points, df 1 to 1e12, t 0.001 to 300): relative error <= 3e-11 up to
// df = 1e6 and <= 3e-9 up to df = 1e9; 2e-5 in the worst case at df = 1e12 (<= 1e-11 there for
// |t| < 3.3, i.e. around p = 0.01). The JSON shows 3 digits.
// A library was weighed and left: @stdlib/stats-base-dists-t-cdf installs 223 packages (25 MB)
// for this one function; jstat (1.9.6, last release 2024-12) is one package but ships no
// TypeScript types (there is no @types/jstat), and ~100 lines here are tested against mpmath.
//
// Degenerate cases (decided here, documented in the README "Decisions"):
// - Either sample with n < 2, a non-integer or non-finite n, a non-finite mean, or a variance
//   that is null, non-finite or negative: `untestable`, t/df/pValue all null. (var_samp is null
//   for one sample; a negative variance only comes from a broken aggregation, so it is refused
//   rather than clamped.)
// - Both variances zero (or so small the standard error underflows to 0): every sample in each
//   window equals its mean, so the means are known exactly. Equal means: `no-spread`, t = 0,
//   p = 1. Different means: `no-spread`, t = ±Infinity, p = 0 (the difference is certain).
//   df is null in both (the Welch–Satterthwaite formula is 0/0).
// - One variance zero, the other positive: no special case. The zero window contributes nothing
//   to the standard error, and Welch–Satterthwaite gives df = n - 1 of the other window, which is
//   the one-sample t-test against a known mean: exactly the right answer.
// - |t| so large that p is below the smallest double: p = 0 (never NaN). t itself may be
//   ±Infinity when the means are far apart and the variances tiny; p is then 0.

/** Two-sided p below this reads significant (docs/metrics.md). */
export const SIGNIFICANCE_LEVEL = 0.01;

/** One window's duration samples, summarised: count, mean and sample variance (n - 1). */
export interface SampleSummary {
  n: number;
  mean: number;
  /** Sample variance (var_samp, denominator n - 1); null when the aggregation had none. */
  variance: number | null;
}

export type WelchTest =
  /** The ordinary case: t, Welch–Satterthwaite df and the two-sided p-value. */
  | { kind: 'tested'; t: number; df: number; pValue: number }
  /** Both variances zero: the means are exact, p is 1 (equal) or 0 (different). */
  | { kind: 'no-spread'; t: number; df: null; pValue: 0 | 1 }
  /** Not enough (or unusable) input for a test; say nothing about significance. */
  | { kind: 'untestable'; t: null; df: null; pValue: null };

const UNTESTABLE: WelchTest = { kind: 'untestable', t: null, df: null, pValue: null };

/** Welch's t-test of mean(a) against mean(b), two-sided; t > 0 when a's mean is larger. */
export function welchTTest(a: SampleSummary, b: SampleSummary): WelchTest {
  if (!usable(a) || !usable(b)) return UNTESTABLE;
  const va = (a.variance as number) / a.n;
  const vb = (b.variance as number) / b.n;
  const diff = a.mean - b.mean;
  const se2 = va + vb;
  if (se2 === 0) {
    if (diff === 0) return { kind: 'no-spread', t: 0, df: null, pValue: 1 };
    return { kind: 'no-spread', t: diff > 0 ? Infinity : -Infinity, df: null, pValue: 0 };
  }
  const t = diff / Math.sqrt(se2);
  const df = welchSatterthwaite(va, a.n, vb, b.n);
  if (Number.isNaN(t) || Number.isNaN(df)) return UNTESTABLE;
  return { kind: 'tested', t, df, pValue: studentTwoSidedP(t, df) };
}

function usable(s: SampleSummary): boolean {
  return (
    Number.isInteger(s.n) && s.n >= 2 && Number.isFinite(s.mean) && s.variance !== null && Number.isFinite(s.variance) && s.variance >= 0
  );
}

/** df = (va + vb)^2 / (va^2/(na-1) + vb^2/(nb-1)), scaled by max(va, vb) so squares never under/overflow. */
function welchSatterthwaite(va: number, na: number, vb: number, nb: number): number {
  const scale = Math.max(va, vb);
  const ra = va / scale;
  const rb = vb / scale;
  return (ra + rb) ** 2 / ((ra * ra) / (na - 1) + (rb * rb) / (nb - 1));
}

/**
 * P(|T| >= |t|) for Student's t with df degrees of freedom (df > 0, any real):
 * I_x(df/2, 1/2) with x = df / (df + t^2). Everything is taken in logs so |t| up to 1e308 works.
 */
export function studentTwoSidedP(t: number, df: number): number {
  if (Number.isNaN(t) || !(df > 0)) return NaN;
  if (t === 0) return 1;
  if (!Number.isFinite(t)) return 0;
  // u = t^2/df; ln x = -ln(1+u), ln(1-x) = ln u - ln(1+u), without forming t^2 (it may overflow).
  const lnU = 2 * Math.log(Math.abs(t)) - Math.log(df);
  const ln1pU = lnU > 0 ? lnU + Math.log1p(Math.exp(-lnU)) : Math.log1p(Math.exp(lnU));
  const lnX = -ln1pU;
  const lnY = lnU - ln1pU;
  const a = df / 2;
  const b = 0.5;
  const front = Math.exp(a * lnX + b * lnY - lnBetaHalf(a));
  const x = Math.exp(lnX);
  const y = Math.exp(lnY);
  const viaY = () => clamp01(1 - (front * betaContinuedFraction(b, a, y)) / b);
  // The continued fraction converges fast on the side x < (a+1)/(a+b+2); use symmetry on the other.
  if (x >= (a + 1) / (a + b + 2)) return viaY();
  // With large df, x is within ~1/df of 1 and the fraction on x loses ~df * 1e-17 relative
  // (1e-10 at df = 1e7, 3e-5 at df = 1e12). The fraction on y still converges in ~20 steps and
  // keeps ~1e-13 absolute, so past df = 1e7 it is the better one where p is not tiny: for |t| < 4,
  // p > 6e-5 (relative error < 2e-9; ~1e-11 around 0.01). Beyond |t| = 4 the fraction on y
  // settles on a wrong value (checked against mpmath), and the fraction on x is the only choice.
  if (a > LARGE_A && Math.abs(t) < 4) return viaY();
  return clamp01((front * betaContinuedFraction(a, b, x)) / a);
}

const LARGE_A = 5_000_000;

function clamp01(p: number): number {
  // Not Math.min/max: NaN and -0 pass through as they are.
  if (p < 0) return 0;
  if (p > 1) return 1;
  return p;
}

const MAX_ITERATIONS = 100_000;
const EPSILON = 1e-15;
const TINY = 1e-300;

/** Continued fraction of I_x(a, b) (Numerical Recipes betacf, modified Lentz). */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = nonZero(1 - (qab * x) / qap);
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= MAX_ITERATIONS; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 / nonZero(1 + aa * d);
    c = nonZero(1 + aa / c);
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 / nonZero(1 + aa * d);
    c = nonZero(1 + aa / c);
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPSILON) return h;
  }
  // Not reached in any tested case (df up to 1e12, |t| up to 1e200); the last convergent is the best estimate.
  return h;
}

function nonZero(v: number): number {
  return Math.abs(v) < TINY ? TINY : v;
}

const LN_GAMMA_HALF = 0.5 * Math.log(Math.PI);
const STIRLING_FROM = 10;

/** ln B(a, 1/2) for a > 0, exact to ~1e-15 absolute even for a ~ 1e12 (no large lgamma differences). */
function lnBetaHalf(a: number): number {
  const b = 0.5;
  // B(a, b) = B(a+1, b) (a+b)/a: shift a up into the range where Stirling's series is exact.
  let shift = 0;
  while (a < STIRLING_FROM) {
    shift += Math.log((a + b) / a);
    a += 1;
  }
  // lgamma(a) - lgamma(a+b) from Stirling: -(a-1/2) ln(1+b/a) - b ln(a+b) + b + δ(a) - δ(a+b).
  const lnRatio = -(a - 0.5) * Math.log1p(b / a) - b * Math.log(a + b) + b + stirlingTail(a) - stirlingTail(a + b);
  return LN_GAMMA_HALF + lnRatio + shift;
}

/** δ(x) = lgamma(x) - ((x - 1/2) ln x - x + ln(2π)/2), asymptotic series; error < 1e-17 for x >= 10. */
function stirlingTail(x: number): number {
  const r = 1 / x;
  const r2 = r * r;
  // Bernoulli coefficients B(2k) / (2k (2k-1)), k = 1..7.
  return r * (1 / 12 + r2 * (-1 / 360 + r2 * (1 / 1260 + r2 * (-1 / 1680 + r2 * (1 / 1188 + r2 * (-691 / 360360 + r2 * (1 / 156)))))));
}

/** A p-value as the JSON shows it: 3 significant digits, half away from zero (docs/metrics.md). */
export function roundPValue(p: number | null): number | null {
  if (p === null) return null;
  if (p === 0 || !Number.isFinite(p)) return p;
  // Round the decimal mantissa, not the binary value: 0.001235 (stored as 0.0012349999...) reads 0.00124.
  const [mantissa, exponent] = p.toExponential(14).split('e') as [string, string];
  const digits = Math.round(Number((Math.abs(Number(mantissa)) * 100).toPrecision(15)));
  return Math.sign(p) * Number(`${digits}e${Number(exponent) - 2}`);
}

/**
 * p < 0.01 as the report shows p (3 significant digits), like the trend's percent change is judged
 * as shown: a p of 0.009996 reads 0.01 in the JSON and is not significant, so the JSON never shows
 * `pValue: 0.01` next to `degrading`. Null (untestable) is never significant.
 */
export function isSignificant(pValue: number | null): boolean {
  const shown = roundPValue(pValue);
  return shown !== null && shown < SIGNIFICANCE_LEVEL;
}

/** One-sided p of Welch's test that `after`'s mean is above `before`'s (docs/gates.md); null untestable. */
export function welchRiseP(before: SampleSummary, after: SampleSummary): number | null {
  const test = welchTTest(after, before);
  if (test.pValue === null) return null;
  // Two-sided p halved on the side of the rise; a fall leaves 1 - p/2.
  return test.t > 0 ? test.pValue / 2 : 1 - test.pValue / 2;
}

/** Student's t with this many degrees of freedom is the normal distribution to ~1e-9. */
const NORMAL_DF = 1e9;

/** One-sided p of the pooled two-proportion z-test that `after`'s rate (0-1, of `operations`) is
 *  above `before`'s (docs/gates.md); null without operations on either side. */
export function proportionRiseP(before: { rate: number; operations: number }, after: { rate: number; operations: number }): number | null {
  if (before.operations === 0 || after.operations === 0) return null;
  const pooled = (before.rate * before.operations + after.rate * after.operations) / (before.operations + after.operations);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / before.operations + 1 / after.operations));
  if (se === 0) return after.rate > before.rate ? 0 : 1;
  const z = (after.rate - before.rate) / se;
  const twoSided = studentTwoSidedP(z, NORMAL_DF);
  return z > 0 ? twoSided / 2 : 1 - twoSided / 2;
}

/**
 * Holm-Bonferroni adjusted p-values of one family (docs/metrics.md): the m members with a p-value,
 * sorted ascending, get p(i) x (m - i + 1) for the i-th smallest, made monotone (each at least the
 * one before it) and capped at 1; null stays null and is not a member. Holding the adjusted value
 * against 0.01 keeps the chance of any false verdict in the family at 1% (Holm, 1979).
 */
export function holmAdjusted(pValues: readonly (number | null)[]): (number | null)[] {
  const members = pValues.flatMap((p, index) => (p === null ? [] : [{ p, index }])).sort((a, b) => a.p - b.p || a.index - b.index);
  const adjusted: (number | null)[] = pValues.map(() => null);
  let running = 0;
  for (const [rank, { p, index }] of members.entries()) {
    running = Math.max(running, Math.min(1, p * (members.length - rank)));
    adjusted[index] = running;
  }
  return adjusted;
}
