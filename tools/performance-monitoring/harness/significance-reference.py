# Reference values for test/significance.test.ts, independent of metrics/significance.ts:
# mpmath (arbitrary precision, 40 digits) regularized incomplete beta, t = (ma - mb)/sqrt(va/na + vb/nb),
# Welch-Satterthwaite df, two-sided p = I_{df/(df+t^2)}(df/2, 1/2). Run: python3 <this file>.
import mpmath as m
from fractions import Fraction as F

m.mp.dps = 40
HALF = m.mpf(1) / 2


def p_two_sided(t, df):
    t, df = m.mpf(t), m.mpf(df)
    return m.betainc(df / 2, HALF, 0, df / (df + t * t), regularized=True)


def welch(na, ma, va, nb, mb, vb):
    na, ma, va, nb, mb, vb = (m.mpf(v) for v in (na, ma, va, nb, mb, vb))
    sa, sb = va / na, vb / nb
    t = (ma - mb) / m.sqrt(sa + sb)
    df = (sa + sb) ** 2 / (sa**2 / (na - 1) + sb**2 / (nb - 1))
    return t, df, p_two_sided(t, df)


def summary(xs):
    xs = [F(x) for x in xs]
    n = len(xs)
    mean = sum(xs) / n
    var = sum((x - mean) ** 2 for x in xs) / (n - 1)
    return n, mean, var


def show(label, t, df, p):
    print(f"{label}: t={m.nstr(t, 17)} df={m.nstr(df, 17)} p={m.nstr(p, 17)}")


# Wikipedia "Welch's t-test", examples 1-3 (published: t -2.46 df 25.0 p 0.021; -1.57 9.9 0.149; -2.22 24.9 0.036).
A1 = [27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4]
A2 = [27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4]
B1 = [17.2, 20.9, 22.6, 18.1, 21.7, 21.4, 23.5, 24.2, 14.7, 21.8]
C1 = [19.8, 20.4, 19.6, 17.8, 18.5, 18.9, 18.3, 18.9, 19.5, 22.0]
C2 = [28.2, 26.6, 20.1, 23.3, 25.2, 22.1, 17.7, 27.6, 20.6, 13.7, 23.2, 17.5, 20.6, 18.0, 23.9, 21.6, 24.3, 20.4, 23.9, 13.3]
for label, a, b in (("wiki1", A1, A2), ("wiki2", B1, A2), ("wiki3", C1, C2)):
    na, ma, va = summary(a)
    nb, mb, vb = summary(b)
    print(f"{label} summary: a=({na}, {float(ma)!r}, {float(va)!r}) b=({nb}, {float(mb)!r}, {float(vb)!r})")
    show(label, *welch(na, float(ma), float(va), nb, float(mb), float(vb)))

# Boundary: n = 250 each, variance 40000 both (sd 200); the mean difference giving p = 0.0099 / 0.0101.
for target in ("0.0099", "0.0101"):
    df = m.mpf(498)
    t = m.findroot(lambda t: p_two_sided(t, df) - m.mpf(target), 2.6)
    diff = t * m.sqrt(m.mpf(40000) / 250 * 2)
    d = float(diff)
    show(f"boundary {target} diff={d!r}", *welch(250, 1000 + d, 40000, 250, 1000, 40000))

show("n=2", *welch(2, 10, 2, 2, 4, 8))
show("one zero variance", *welch(10, 12, 4, 30, 10, 0))
show("large n", *welch(1_000_000, 100.3, 2500, 1_000_000, 100, 2500))
print("normal limit large n:", m.nstr(m.erfc(m.mpf(0.3) / m.sqrt(m.mpf(2500) / 1_000_000 * 2) / m.sqrt(2)), 17))
show("huge df", *welch(500_000_000, 100.0002, 2500, 500_000_000, 100, 2500))
show("tiny p", *welch(26, 150, 100, 26, 100, 150))
show("t=50 df=50", m.mpf(50), m.mpf(50), p_two_sided(50, 50))
show("t=1e200 df=1", m.mpf("1e200"), m.mpf(1), p_two_sided(m.mpf("1e200"), 1))
show("healthy hour", *welch(212, 1432.5, 1.63e6, 187, 1377.25, 1.41e6))
# senseofstudy.com two-sample tests, example 4 (published: t ~ 0.895, df ~ 35.2).
show("textbook summary", *welch(20, 100, 225, 20, 95, 400))
# Large df: the fraction on y near p = 0.01, and past |t| = 4 (where only the fraction on x is right).
for t, df in ((2.58, 1e9), (2.58, 1e12), (8, 1e6), (12, 1e6), (5, 1e7)):
    show(f"t={t} df={df:g}", m.mpf(t), m.mpf(df), p_two_sided(t, df))
