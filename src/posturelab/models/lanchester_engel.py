r"""Engel's ratio estimator of Lanchester coefficients for fixed exponents.

Engel's estimator (Engel 1954) equates each side's total losses with its integrated loss term:

.. math::

    \hat b = \frac{L_Y}{\sum_{i=1}^{k_Y} X_i^p Y_i^q\, \Delta t_i}, \qquad
    \hat a = \frac{L_X}{\sum_{i=1}^{k_X} Y_i^p X_i^q\, \Delta t_i}

where :math:`L_X` is X's loss from row 0 to the last row :math:`k_X` at which it is known
(from cumulative losses, or from :math:`X_0 + \sum R^X - X_{k}`), and :math:`Z_i` denotes the
day's loss integrand by the trapezoidal rule, e.g. :math:`Z_i = \tfrac12 (X_{i-1}^p Y_{i-1}^q +
X_i^p Y_i^q)\,\Delta t_i` for Y (written loosely as :math:`X_i^p Y_i^q \Delta t_i` above).
Strengths missing from the record are reconstructed from their side's discrete loss equation,
:math:`Y_i = Y_{i-1} + R^Y_i - \hat b Z_i` (restarting at every known value, clamped at 0), and
the ratios and the reconstruction are iterated to a fixed point. For the square law
:math:`\hat b` does not depend on Y, so the iteration settles in a few rounds; where a law cannot
reproduce the record (a linear law cannot annihilate a side in finite time) it does not converge
and the estimator reports so. Where a side's losses :math:`\ell_i` are known between at least
three rows (losses over gaps are grouped), the ratio estimator is the weighted least squares
estimate of :math:`\ell_i = a Z_i + \varepsilon_i` with
:math:`\operatorname{Var}\varepsilon_i \propto Z_i`, and its standard error is
:math:`\sqrt{s^2/\sum Z_i}` with
:math:`s^2 = \sum (\ell_i - \hat a Z_i)^2 / Z_i / (k - 1)`; otherwise it is undefined (``None``).

References
----------
.. [1] Engel, J. H. (1954). A verification of Lanchester's law. *Journal of the Operations
   Research Society of America* 2(2), 163-171.
.. [2] Samz, R. W. (1972). Some comments on Engel's "A verification of Lanchester's law".
   *Operations Research* 20(1), 49-52.
"""

from __future__ import annotations

import numpy as np

from posturelab.models.combat_record import CombatSeries, FloatArray, observed_strengths


def _losses(
    strength: FloatArray, reinf: FloatArray, cum: FloatArray
) -> tuple[int, float, FloatArray]:
    """Last row with a known loss, the total loss up to it, and the cumulative loss per row."""
    arrived = np.cumsum(np.concatenate(([0.0], reinf[1:])))
    c0 = 0.0 if np.isnan(cum[0]) else cum[0]
    from_strength = strength[0] + arrived - strength
    total = np.where(np.isnan(cum), from_strength, cum - c0)
    total[0] = 0.0
    last = int(np.flatnonzero(~np.isnan(total))[-1])
    return last, float(total[last]), total


def _ratio_se(total: FloatArray, z: FloatArray, last: int, estimate: float) -> float | None:
    """Return the standard error of a ratio estimator from losses between rows where known.

    ``z[i - 1]`` is the loss integrand of row ``i``; intervals between known rows are grouped.
    """
    known = np.flatnonzero(~np.isnan(total[: last + 1]))
    if known.shape[0] < 3:
        return None
    zc = np.concatenate(([0.0], np.cumsum(z[:last])))
    losses = np.diff(total[known])
    zi = np.diff(zc[known])
    if np.any(zi <= 0.0):
        return None
    s2 = float(np.sum((losses - estimate * zi) ** 2 / zi)) / (losses.shape[0] - 1)
    return float(np.sqrt(s2 / np.sum(zi)))


def _reconstruct(known: FloatArray, reinf: FloatArray, z: FloatArray, coef: float) -> FloatArray:
    """Fill unknown strengths by the discrete loss equation, restarting at known values."""
    out = known.copy()
    for i in range(1, known.shape[0]):
        if np.isnan(out[i]):
            out[i] = max(out[i - 1] + reinf[i] - coef * z[i - 1], 0.0)
    return out


def engel_estimate(
    series: CombatSeries,
    p: float,
    q: float,
    *,
    max_iter: int = 500,
    rtol: float = 1e-10,
) -> tuple[float, float, dict[str, float | None]]:
    """Engel's ratio estimator of (a, b) for fixed exponents (see the module docstring).

    Returns
    -------
    a, b, se
        The estimates and their standard errors (``None`` where undefined).

    Raises
    ------
    ValueError
        If a side's losses are unknown after the first day, a loss integral is zero, or the
        reconstruction of unknown strengths does not converge.
    """
    xs, ys = observed_strengths(series)
    kx, lx, tx = _losses(xs, series.x_reinf, series.x_losses_cum)
    ky, ly, ty = _losses(ys, series.y_reinf, series.y_losses_cum)
    for side, k in (("x", kx), ("y", ky)):
        if k == 0:
            raise ValueError(
                f"{side}'s losses are unknown after the first day: Engel's estimator needs them"
            )
    dt = np.diff(series.day)
    # First guess for unknown strengths: linear interpolation, held beyond the last known value.
    rows = np.arange(series.day.shape[0])
    xf = np.interp(rows, rows[~np.isnan(xs)], xs[~np.isnan(xs)])
    yf = np.interp(rows, rows[~np.isnan(ys)], ys[~np.isnan(ys)])
    a = b = np.nan
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for _ in range(max_iter):
            fx = (yf**p) * (xf**q)  # X's loss integrand per row
            fy = (xf**p) * (yf**q)  # Y's loss integrand per row
            zx = 0.5 * (fx[1:] + fx[:-1]) * dt  # trapezoidal rule, day by day
            zy = 0.5 * (fy[1:] + fy[:-1]) * dt
            sx = float(np.sum(zx[:kx]))
            sy = float(np.sum(zy[:ky]))
            if not (sx > 0.0 and sy > 0.0 and np.isfinite(sx) and np.isfinite(sy)):
                raise ValueError(
                    f"a loss integral is zero or not finite under the {p:g}/{q:g} law: "
                    "Engel's estimator is undefined for this record"
                )
            a_new, b_new = lx / sx, ly / sy
            done = abs(a_new - a) <= rtol * abs(a_new) and abs(b_new - b) <= rtol * abs(b_new)
            a, b = a_new, b_new
            if done:
                break
            xf = _reconstruct(xs, series.x_reinf, zx, a)
            yf = _reconstruct(ys, series.y_reinf, zy, b)
        else:
            raise ValueError(
                f"Engel's estimator did not converge in {max_iter} iterations: the record's "
                f"losses cannot be reproduced under the {p:g}/{q:g} law (try least squares)"
            )
    se = {"a": _ratio_se(tx, zx, kx, a), "b": _ratio_se(ty, zy, ky, b)}
    return a, b, se
