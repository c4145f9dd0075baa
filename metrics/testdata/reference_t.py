#!/usr/bin/env python3
"""Student-t reference values for metrics' tests (stats_test.go,
stats_internal_test.go). Pure Python, no numpy/scipy.

Two independent routes to the CDF, which must agree:
  * the closed-form series for integer nu (Abramowitz & Stegun 26.7.3, odd
    nu; 26.7.4, even nu), used for the golden values;
  * composite Simpson integration of the density (math.fsum), a check.
For nu = 1 the quantile is also tan(pi (q - 1/2)).
"""
import math


def cdf_series(t, nu):
    th = math.atan(t / math.sqrt(nu))
    c = math.cos(th)
    if nu % 2 == 1:
        if nu == 1:
            return 0.5 + th / math.pi
        s, a = 0.0, 1.0
        for j in range((nu - 3) // 2 + 1):
            if j > 0:
                a *= 2 * j / (2 * j + 1)
            s += a * c ** (2 * j + 1)
        return 0.5 + (th + math.sin(th) * s) / math.pi
    s, b = 0.0, 1.0
    for j in range(nu // 2):
        if j > 0:
            b *= (2 * j - 1) / (2 * j)
        s += b * c ** (2 * j)
    return 0.5 + math.sin(th) * s / 2


def pdf(t, nu):
    c = math.exp(math.lgamma((nu + 1) / 2) - math.lgamma(nu / 2)) / math.sqrt(nu * math.pi)
    return c * (1 + t * t / nu) ** (-(nu + 1) / 2)


def cdf_simpson(x, nu, n=40000):
    h = abs(x) / n
    s = math.fsum([pdf(0, nu), pdf(abs(x), nu)] +
                  [(4 if i % 2 else 2) * pdf(i * h, nu) for i in range(1, n)])
    return 0.5 + math.copysign(s * h / 3, x)


def quantile(q, nu, cdf=cdf_series):
    lo, hi = 0.0, 100.0
    for _ in range(200):
        m = (lo + hi) / 2
        if cdf(m, nu) < q:
            lo = m
        else:
            hi = m
    return lo


def two_sided(t, nu):
    return 2 * (1 - cdf_series(abs(t), nu))


def mean_std(x):
    m = sum(x) / len(x)
    return m, math.sqrt(sum((v - m) ** 2 for v in x) / (len(x) - 1))


for q, nu in [(0.975, 4), (0.975, 9), (0.975, 1), (0.995, 4), (0.95, 4)]:
    a, b = quantile(q, nu), quantile(q, nu, cdf_simpson)
    print("t quantile", q, nu, repr(a), "simpson", repr(b))
print("tan(0.475 pi)", repr(math.tan(0.475 * math.pi)))

folds = [0.61, 0.64, 0.59, 0.66, 0.62]
m, s = mean_std(folds)
se = s / math.sqrt(len(folds))
for level in (0.95, 0.90):
    tq = quantile((1 + level) / 2, len(folds) - 1)
    print("interval", level, repr(m), repr(s), repr(se), repr(m - tq * se), repr(m + tq * se))


def paired(a, b):
    d = [x - y for x, y in zip(a, b)]
    m, s = mean_std(d)
    t = m / (s / math.sqrt(len(d)))
    return m, s, t, two_sided(t, len(d) - 1)


print("paired folds5", paired([0.652, 0.631, 0.668, 0.645, 0.659], [0.641, 0.629, 0.655, 0.640, 0.650]))
print("paired ten", paired([1.2, 0.8, 1.1, 0.9, 1.0, 1.3, 0.7, 1.05, 0.95, 1.0],
                           [1.3, 0.9, 1.0, 1.1, 1.2, 1.3, 0.9, 1.10, 1.00, 1.2]))
print("two-sided p at t_{0.975,4}", two_sided(quantile(0.975, 4), 4))
