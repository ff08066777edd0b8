// Welch's t-test (metrics/significance.ts) against reference values computed independently.
//
// Reference: harness/significance-reference.py (python3 + mpmath 1.3.0 at 40 digits: the
// regularized incomplete beta of mpmath, hypergeometric series, not our continued fraction;
// variances of raw data from exact fractions). Published figures are cited where a case has them.
import { describe, expect, it } from 'vitest';
import {
  holmAdjusted,
  isSignificant,
  roundPValue,
  type SampleSummary,
  SIGNIFICANCE_LEVEL,
  studentTwoSidedP,
  type WelchTest,
  welchTTest,
} from '../metrics/significance.js';
import { computeTrends } from '../metrics/trend.js';

const s = (n: number, mean: number, variance: number | null): SampleSummary => ({ n, mean, variance });

function tested(result: WelchTest): { t: number; df: number; pValue: number } {
  if (result.kind !== 'tested') throw new Error(`expected a tested result, got ${result.kind}`);
  return result;
}

/** |actual - expected| <= rel * |expected|. */
function expectClose(actual: number, expected: number, rel = 1e-12): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(rel * Math.abs(expected));
}

describe('welchTTest: textbook examples', () => {
  it('Wikipedia "Welch\'s t-test" example 1 (published t = -2.46, df = 25.0, p = 0.021)', () => {
    // A1 = 27.5 21.0 19.0 23.6 17.0 17.9 16.9 20.1 21.9 22.6 23.1 19.6 19.0 21.7 21.4,
    // A2 = 27.1 22.0 20.8 23.4 23.4 23.5 25.8 22.0 24.8 20.2 21.9 22.1 22.9 20.5 24.4.
    const r = tested(welchTTest(s(15, 20.82, 7.867428571428573), s(15, 22.986666666666668, 3.8126666666666678)));
    expectClose(r.t, -2.4553563982860061);
    expectClose(r.df, 24.988529290231415);
    expectClose(r.pValue, 0.021378001462866983);
    expect(roundPValue(r.pValue)).toBe(0.0214);
  });

  it('summary-statistics example (n 20, mean 100, s 15 vs n 20, mean 95, s 20; published t ~ 0.895, df ~ 35.2)', () => {
    const r = tested(welchTTest(s(20, 100, 225), s(20, 95, 400)));
    expectClose(r.t, 0.89442719099991588);
    expectClose(r.df, 35.237388724035608);
    expectClose(r.pValue, 0.37716224829970045);
  });
});

describe('welchTTest: the 0.01 boundary', () => {
  // n = 250 per window, sd 200 ms (variance 40000), df = 498; mean differences solved in mpmath.
  it('a difference of 46.3179 ms gives p = 0.00990: significant', () => {
    const r = tested(welchTTest(s(250, 1046.317870799091914, 40000), s(250, 1000, 40000)));
    expectClose(r.t, 2.5892476919955502, 1e-11);
    expectClose(r.df, 498);
    expectClose(r.pValue, 0.0099, 1e-9);
    expect(r.pValue).toBeLessThan(SIGNIFICANCE_LEVEL);
    expect(isSignificant(r.pValue)).toBe(true);
  });

  it('a difference of 46.1928 ms gives p = 0.0101: not significant', () => {
    const r = tested(welchTTest(s(250, 1046.19284879308559, 40000), s(250, 1000, 40000)));
    expectClose(r.pValue, 0.0101, 1e-9);
    expect(r.pValue).toBeGreaterThan(SIGNIFICANCE_LEVEL);
    expect(isSignificant(r.pValue)).toBe(false);
  });

  it('significance is judged on p as shown: 0.0099949 -> 0.00999 is, 0.009995 -> 0.01 is not', () => {
    expect(isSignificant(0.0099949)).toBe(true);
    expect(isSignificant(0.009995)).toBe(false);
    expect(isSignificant(null)).toBe(false);
    expect(isSignificant(0)).toBe(true);
  });
});

describe('welchTTest: sample sizes and degrees of freedom', () => {
  it('n = 2 in both windows (df = 25/17)', () => {
    const r = tested(welchTTest(s(2, 10, 2), s(2, 4, 8)));
    expectClose(r.t, 2.6832815729997476);
    expectClose(r.df, 25 / 17);
    expectClose(r.pValue, 0.15796345394903631, 1e-11);
  });

  it('n = 1,000,000 per window: p of the t (df ~ 2e6) is the normal limit to 5e-5', () => {
    const r = tested(welchTTest(s(1_000_000, 100.3, 2500), s(1_000_000, 100, 2500)));
    expectClose(r.t, 4.242640687119245, 1e-9);
    expectClose(r.df, 1999998);
    expectClose(r.pValue, 2.2091489194042429e-5, 1e-9);
    expectClose(r.pValue, 2.2090496998585457e-5, 5e-5); // erfc(t / sqrt 2), the normal limit
  });

  it('df ~ 1e9 (5e8 samples per window) stays exact', () => {
    const r = tested(welchTTest(s(500_000_000, 100.0002, 2500), s(500_000_000, 100, 2500)));
    expectClose(r.df, 999999998);
    expectClose(r.pValue, 0.94957097116207407, 1e-6); // t itself carries the rounding of 100.0002 - 100
  });

  it('a healthy hour against the hour before (212 vs 187 samples, +4%) is far from significant', () => {
    const r = tested(welchTTest(s(212, 1432.5, 1.63e6), s(187, 1377.25, 1.41e6)));
    expectClose(r.t, 0.4477129305919554, 1e-11);
    expectClose(r.df, 395.87443125318768, 1e-11);
    expectClose(r.pValue, 0.65460528127728001, 1e-10);
  });
});

describe('welchTTest: symmetry and equal means', () => {
  it('swapping the windows negates t and keeps df and p', () => {
    const ab = tested(welchTTest(s(40, 120, 900), s(55, 100, 400)));
    const ba = tested(welchTTest(s(55, 100, 400), s(40, 120, 900)));
    expect(ba.t).toBe(-ab.t);
    expect(ba.df).toBe(ab.df);
    expect(ba.pValue).toBe(ab.pValue);
  });

  it('equal means with spread: t = 0, p = 1', () => {
    const r = tested(welchTTest(s(30, 250, 100), s(80, 250, 4000)));
    expect(r.t).toBe(0);
    expect(r.pValue).toBe(1);
  });
});

describe('welchTTest: zero variance', () => {
  it('both zero, equal means: p = 1', () => {
    expect(welchTTest(s(25, 40, 0), s(30, 40, 0))).toEqual({ kind: 'no-spread', t: 0, df: null, pValue: 1 });
  });

  it('both zero, different means: the difference is certain, p = 0', () => {
    expect(welchTTest(s(25, 41, 0), s(30, 40, 0))).toEqual({ kind: 'no-spread', t: Infinity, df: null, pValue: 0 });
    expect(welchTTest(s(25, 39, 0), s(30, 40, 0))).toEqual({ kind: 'no-spread', t: -Infinity, df: null, pValue: 0 });
  });

  it('one zero: the one-sample t-test of the other window (df = n - 1)', () => {
    const r = tested(welchTTest(s(10, 12, 4), s(30, 10, 0)));
    expectClose(r.t, 3.1622776601683793);
    expect(r.df).toBe(9);
    expectClose(r.pValue, 0.011507985165943664, 1e-11);
  });

  it('variances so small the standard error underflows count as zero', () => {
    expect(welchTTest(s(25, 41, 1e-323), s(30, 40, 0))).toEqual({ kind: 'no-spread', t: Infinity, df: null, pValue: 0 });
  });
});

describe('welchTTest: tails', () => {
  it('a tiny but representable p (t = 16.1, df = 48.08)', () => {
    const r = tested(welchTTest(s(26, 150, 100), s(26, 100, 150)));
    expectClose(r.t, 16.124515496597099);
    expectClose(r.df, 48.076923076923077);
    expectClose(r.pValue, 5.0303574597666972e-21, 1e-10);
  });

  it('t = 50 at df = 50 and t = 1e200 at df = 1 (t^2 overflows a double)', () => {
    expectClose(studentTwoSidedP(50, 50), 2.3182620822395051e-44, 1e-10);
    expectClose(studentTwoSidedP(1e200, 1), 6.3661977236758134e-201, 1e-10);
  });

  it.each([
    // Near 0.01 with huge df (where the fraction on x would lose ~df * 1e-16): exact to 1e-11.
    [2.58, 1e9, 0.0098800316568293609, 1e-11],
    [2.58, 1e12, 0.0098800315156825774, 1e-11],
    // Beyond |t| = 4 with large df: small p, still exact.
    [8, 1e6, 1.245506343320252e-15, 1e-10],
    [12, 1e6, 3.5716851247650898e-33, 1e-10],
    [5, 1e7, 5.733128075008539e-7, 1e-9],
  ])('t = %d, df = %d: p = %d', (t, df, expected, rel) => {
    expectClose(studentTwoSidedP(t, df), expected, rel);
  });

  it('p below the smallest double is 0, never NaN', () => {
    const r = tested(welchTTest(s(1000, 1000, 1), s(1000, 0, 1)));
    expect(r.t).toBeGreaterThan(22000);
    expect(r.pValue).toBe(0);
  });

  it('means too far apart for a double difference: t = Infinity, p = 0', () => {
    const r = tested(welchTTest(s(20, 1.5e308, 1), s(20, -1.5e308, 1)));
    expect(r.t).toBe(Infinity);
    expect(r.pValue).toBe(0);
  });
});

describe('welchTTest: untestable input', () => {
  const untestable = { kind: 'untestable', t: null, df: null, pValue: null };
  it.each([
    ['n = 1 (var_samp is null)', s(1, 10, null), s(30, 10, 4)],
    ['n = 1 with a variance', s(1, 10, 0), s(30, 10, 4)],
    ['n = 0', s(0, 0, null), s(30, 10, 4)],
    ['variance null', s(30, 10, 4), s(30, 12, null)],
    ['negative variance', s(30, 10, -1), s(30, 12, 4)],
    ['NaN mean', s(30, NaN, 4), s(30, 12, 4)],
    ['infinite mean', s(30, 10, 4), s(30, Infinity, 4)],
    ['NaN variance', s(30, 10, NaN), s(30, 12, 4)],
    ['non-integer n', s(30.5, 10, 4), s(30, 12, 4)],
  ])('%s', (_label, a, b) => {
    expect(welchTTest(a, b)).toEqual(untestable);
  });
});

describe('roundPValue: 3 significant digits, half away from zero', () => {
  it.each([
    [0.021378001462866983, 0.0214],
    [0.0012345, 0.00123],
    [0.001235, 0.00124],
    [0.0099949, 0.00999],
    [0.0099951, 0.01],
    [0.99951, 1],
    [1, 1],
    [0.65460528127728, 0.655],
    [5.0303574597666972e-21, 5.03e-21],
    [1.23456e-300, 1.23e-300],
    [0, 0],
  ])('%d -> %d', (p, expected) => {
    expect(roundPValue(p)).toBe(expected);
  });

  it('null stays null', () => {
    expect(roundPValue(null)).toBeNull();
  });
});

describe("holmAdjusted (docs/metrics.md: a report's services judged as one family)", () => {
  it('multiplies the i-th smallest of m by m - i + 1, keeps the order monotone, caps at 1, skips nulls', () => {
    // By hand: sorted 0.005, 0.01, 0.03, 0.04 -> 0.02, 0.03, 0.06, max(0.06, 0.04) = 0.06.
    const adjusted = holmAdjusted([0.01, 0.04, 0.03, 0.005]);
    for (const [i, want] of [0.03, 0.06, 0.06, 0.02].entries()) expectClose(adjusted[i] ?? Number.NaN, want, 1e-12);
    // Two members: 0.5 x 2 = 1 (capped), then max(1, 0.6): 1.
    expect(holmAdjusted([null, 0.5, 0.6])).toEqual([null, 1, 1]);
    // A family of one is its own p-value.
    expect(holmAdjusted([0.004])).toEqual([0.004]);
  });

  it('a service significant alone is not once four are judged: p 0.004 of four reads 0.016, stable', () => {
    const slow = {
      operations: 100,
      failures: 0,
      samples: 100,
      sumDuration: 0,
      minDuration: null,
      maxDuration: null,
      p50: null,
      p95: null,
      p99: null,
      satisfied: 0,
      tolerating: 0,
      invalidDurations: 0,
    };
    // Means 100 vs 112 ms, 100 samples each: the variance that gives p about 0.004 alone.
    const pair = (mean: number, variance: number) => ({ ...slow, sumDuration: mean * 100, varDuration: variance });
    const quiet = { current: pair(100, 400), previous: pair(100, 400) };
    const [alone] = computeTrends([{ current: pair(112, 810), previous: pair(100, 810) }]);
    const [inFamily] = computeTrends([{ current: pair(112, 810), previous: pair(100, 810) }, quiet, quiet, quiet]);
    expect(alone?.direction).toBe('degrading');
    expect(alone?.pValue).toBeLessThan(0.01);
    expect(inFamily?.pValue).toBe(alone?.pValue);
    expect(inFamily?.adjustedPValue).toBeCloseTo((alone?.pValue ?? 0) * 4, 12);
    expect(inFamily?.direction).toBe('stable');
  });
});
