#!/usr/bin/python3
"""Coefficients of the float tanh in src/simd/vec_math.h, and its error.

The rational minimax tanh(x) = x p(y) / q(y), y = x^2 (p of degree 6, q of
degree 3) is rewritten as C x a(y) b(y) / qm(y): a and b are monic cubics
whose roots are p's (a: its three negative roots; b: the positive one and
the complex pair), qm = q / q3 is monic and C = p6 / q3. This prints a, b,
qm and C, then the maximum absolute error of the expanded form (Estrin, as
before) and of the factored form, both emulated in float32 with fused
multiply-adds, on 2 000 001 points of [-lim, lim].

    /usr/bin/python3 tools/tanh-coefficients.py     (needs python3-numpy)
Not used by the build or the tests.
"""
import numpy as np

P = [4.89352455891786e-03, 6.37261928875436e-04, 1.48572235717979e-05,
     5.12229709037114e-08, -8.60467152213735e-11, 2.00018790482477e-13,
     -2.76076847742355e-16]
Q = [4.89352518554385e-03, 2.26843463243900e-03, 1.18534705686654e-04,
     1.19825839466702e-06]
LIM = 7.90531110763549805
f = np.float32


def fma(a, b, c):
    return f(np.float64(a) * np.float64(b) + np.float64(c))


def monic_horner(c, y):
    """c: monic cubic, highest power first"""
    v = f(y + f(c[1]))
    v = fma(y, v, f(c[2]))
    return fma(y, v, f(c[3]))


def main():
    roots = np.roots(P[::-1])
    real = sorted(r.real for r in roots if abs(r.imag) < 1e-9)
    cplx = [r for r in roots if abs(r.imag) >= 1e-9]
    a = np.real(np.poly([r for r in real if r < 0]))
    b = np.real(np.poly([r for r in real if r > 0] + cplx))
    qm = [c / Q[3] for c in Q[::-1]]
    C = P[6] / Q[3]
    print("a  =", [repr(v) for v in a[1:]])
    print("b  =", [repr(v) for v in b[1:]])
    print("qm =", [repr(v) for v in qm[1:]])
    print("C  =", repr(C))

    x = np.linspace(-LIM, LIM, 2000001).astype(f)
    y = f(x * x)
    ref = np.tanh(x.astype(np.float64))
    # before: both polynomials expanded, by Estrin's scheme
    y2 = f(y * y)
    y4 = f(y2 * y2)
    p01 = fma(y, f(P[1]), f(P[0]))
    p23 = fma(y, f(P[3]), f(P[2]))
    p45 = fma(y, f(P[5]), f(P[4]))
    p = fma(y4, fma(y2, f(P[6]), p45), fma(y2, p23, p01))
    q = fma(y2, fma(y, f(Q[3]), f(Q[2])), fma(y, f(Q[1]), f(Q[0])))
    old = f(f(x * p) / q)
    # now: C x a b / qm
    new = f(f(f(f(x * f(C)) * monic_horner(a, y)) * monic_horner(b, y)) /
            monic_horner(qm, y))
    print("max error, expanded (Estrin): %.3g" % np.max(np.abs(old - ref)))
    print("max error, factored:          %.3g" % np.max(np.abs(new - ref)))


if __name__ == "__main__":
    main()
