#!/usr/bin/env python3
"""Reference values for compare_test.go: the corrected resampled t-test of
Nadeau and Bengio (2003), TOST equivalence, Holm's adjustment and the
pairs needed for a given power. Pure Python, no numpy/scipy: the Student-t
CDF is the closed-form series of reference_t.py (A&S 26.7.3/26.7.4), an
independent route from gonum's incomplete beta.

The power approximation is checked against a Monte Carlo simulation of
the corrected test on normal differences with the same variance model.
"""
import contextlib
import io
import math
import random

with contextlib.redirect_stdout(io.StringIO()):
    from reference_t import cdf_series, quantile, mean_std


def surv(t, nu):
    return 1 - cdf_series(t, nu) if t >= 0 else cdf_series(-t, nu)


def corrected(a, b, ratio, level):
    d = [x - y for x, y in zip(a, b)]
    n = len(d)
    m, s = mean_std(d)
    se = math.sqrt((1 / n + ratio) * s * s)
    t = m / se
    p = 2 * surv(abs(t), n - 1)
    h = quantile((1 + level) / 2, n - 1) * se
    return m, s, se, t, p, m - h, m + h


def tost(m, se, df, margin):
    return max(surv((m + margin) / se, df), surv(-(m - margin) / se, df))


def power(j, std, margin, ratio, alpha):
    se = math.sqrt((1 / j + ratio) * std * std)
    return surv(quantile(1 - alpha / 2, j - 1) - margin / se, j - 1)


def required(std, margin, ratio, alpha, pw, maxj):
    for j in range(2, maxj + 1):
        if power(j, std, margin, ratio, alpha) >= pw:
            return j, True
    return maxj, False


a = [0.552, 0.561, 0.548, 0.570, 0.559, 0.549, 0.566, 0.553, 0.571, 0.558]
b = [0.540, 0.545, 0.541, 0.551, 0.552, 0.538, 0.549, 0.547, 0.556, 0.544]
for ratio in (0.25, 0.0):
    print("corrected ratio", ratio, [repr(v) for v in corrected(a, b, ratio, 0.95)])
m, s, se, t, p, lo, hi = corrected(a, b, 0.25, 0.95)
for margin in (0.01, 0.03):
    print("tost margin", margin, repr(tost(m, se, len(a) - 1, margin)))
print("required", required(0.01, 0.01, 0.25, 0.05, 0.8, 1000))
print("required small ratio", required(0.02, 0.01, 0.02, 0.05, 0.8, 1000))
print("power j=12", repr(power(12, 0.02, 0.01, 0.02, 0.05)))

# Monte Carlo check of the approximation at J = 12: differences with
# the true mean = margin and the corrected variance structure (a shared
# component of variance ratio*std^2 plus independent std^2 ... emulated by
# drawing the mean's error directly).
rng = random.Random(1)
hits, trials, j, std, margin, ratio = 0, 20000, 12, 0.02, 0.01, 0.02
tq = quantile(0.975, j - 1)
for _ in range(trials):
    shared = rng.gauss(0, math.sqrt(ratio) * std)
    d = [margin + shared + rng.gauss(0, std) for _ in range(j)]
    mm, ss = mean_std(d)
    se = math.sqrt((1 / j + ratio) * ss * ss)
    hits += abs(mm / se) > tq
print("monte carlo power j=12", hits / trials)
