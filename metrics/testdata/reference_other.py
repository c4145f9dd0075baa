#!/usr/bin/env python3
"""Reference values for metrics' tests of Spearman, QWK and Wilcoxon
(rank_test.go, kappa_test.go, wilcoxon_test.go, evaluate_test.go). Pure
Python, no numpy/scipy; each by a route unlike the Go code: quadratic
average ranks, QWK in exact fractions by the pairwise formula, Wilcoxon by
enumerating every sign pattern.
"""
from fractions import Fraction as F
import itertools, math
def avg_ranks(x):
    # rank = 1 + #smaller + (#equal-1)/2  (quadratic, written differently from the Go sort)
    return [1 + sum(v < xi for v in x) + (sum(v == xi for v in x) - 1)/2 for xi in x]
def pearson(a,b):
    n=len(a); ma=sum(a)/n; mb=sum(b)/n
    return sum((x-ma)*(y-mb) for x,y in zip(a,b))/math.sqrt(sum((x-ma)**2 for x in a)*sum((y-mb)**2 for y in b))
def spearman(x,y): return pearson(avg_ranks(x),avg_ranks(y))
print("sp scipydoc", repr(spearman([1,2,3,4,5],[5,6,7,8,7])))
print("sp noties", repr(spearman([3.1,1.2,5.5,4.0,2.2],[10,30,50,20,40])))
print("sp ties", repr(spearman([1,1,2,2,3],[1,2,2,3,3])))
print("sp eval", repr(spearman([1.4,.6,1.3,1.95],[0.1,0.05,0.9,0.7])))
def qwk(pred, lab):
    # kappa = 1 - N*sum (y_a - p_a)^2 / sum_a sum_b (y_a - p_b)^2, exact fractions
    n=len(pred)
    num = n*sum(F((y-p)**2) for y,p in zip(lab,pred))
    den = sum(F((y-p)**2) for y in lab for p in pred)
    return 1 - num/den
for name,l,p in [("q1",[0,0,1,1,2,2],[0,1,1,1,2,0]),("qrev",[0,1,2],[2,1,0]),("qeval",[0,0,3,2],[1,0,0,2]),
                 ("q5",[0,1,2,3,4,4,3,2,1,0,2,2],[0,2,2,3,3,4,1,2,1,1,2,4])]:
    v=qwk(p,l); print(name, v, repr(float(v)))
def wilcoxon_brute(d):
    d=[v for v in d if v!=0]; n=len(d)
    r=avg_ranks([abs(v) for v in d])
    w=sum(ri for ri,v in zip(r,d) if v>0)
    le=ge=0
    for signs in itertools.product([0,1],repeat=n):
        s=sum(ri for ri,sg in zip(r,signs) if sg)
        le += s<=w+1e-9; ge += s>=w-1e-9
    return w, sum(r)-w, min(1,2*min(le,ge)/2**n)
print("w all+", wilcoxon_brute([1,2,3,4,5]))
print("w ties", wilcoxon_brute([1,-2,2,3,0,4,-1,5]))
print("w mixed", wilcoxon_brute([0.5,-1.5,2.5,3.5,-0.25,4.5,6,7,-8,9]))
# normal approximation (the documented formula, with tie correction), n=60 d_i = (i+1)*(-1)^(i%3==0)  with tie groups from abs duplicates
d=[((i%20)+1)*(-1 if i%3==0 else 1) for i in range(60)]
dd=[v for v in d if v!=0]; n=len(dd); r=avg_ranks([abs(v) for v in dd]); w=sum(ri for ri,v in zip(r,dd) if v>0)
from collections import Counter
ties=Counter(abs(v) for v in dd).values()
var=n*(n+1)*(2*n+1)/24 - sum(t**3-t for t in ties)/48
z=(w-n*(n+1)/4)/math.sqrt(var); p=math.erfc(abs(z)/math.sqrt(2))
print("w normal", n, w, z, repr(p))
