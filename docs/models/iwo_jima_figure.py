"""Draw the Iwo Jima figures: actual US strength against the fitted laws.

``img/iwo_jima_fit.png``: the square law by Engel's estimator and by least squares.
``img/iwo_jima_laws.png``: every law the trajectory fit can take (``fit lanchester --law all
--method lsq``), with the Akaike weight of each.

Run from the repository root: ``.venv/bin/python docs/models/iwo_jima_figure.py``.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from posturelab.data.combat_csv import builtin_series
from posturelab.models.lanchester_fit import compare_laws, fit, observed_strengths

OUT = Path(__file__).resolve().parent / "img" / "iwo_jima_fit.png"
OUT_LAWS = Path(__file__).resolve().parent / "img" / "iwo_jima_laws.png"


def main() -> None:
    """Fit both methods and draw the figure."""
    series = builtin_series("iwo_jima")
    engel = fit(series, "square", "engel")
    lsq = fit(series, "square", "lsq")
    x_obs, _ = observed_strengths(series)
    known = ~np.isnan(x_obs)

    fig, (top, bottom) = plt.subplots(
        2, 1, figsize=(8.0, 7.0), sharex=True, height_ratios=(3, 2), layout="constrained"
    )
    top.plot(series.day[known], x_obs[known] / 1e3, "o", ms=4, color="black", label="actual")
    top.plot(
        engel.day,
        engel.x_fit / 1e3,
        "-",
        color="tab:blue",
        label=f"Engel's estimator: a = {engel.a:.4f}, b = {engel.b:.4f} (R² = {engel.r2:.3f})",
    )
    top.plot(
        lsq.day,
        lsq.x_fit / 1e3,
        "--",
        color="tab:red",
        label=f"least squares: a = {lsq.a:.4f}, b = {lsq.b:.4f} (R² = {lsq.r2:.3f})",
    )
    top.annotate(
        "day 19: casualty series\ndecreases (anomaly)",
        xy=(19, x_obs[19] / 1e3),
        xytext=(21, 61),
        arrowprops={"arrowstyle": "->", "color": "gray"},
        fontsize=9,
        color="gray",
    )
    top.set_ylabel("US active troops (thousands)")
    top.set_ylim(48, 68)
    top.set_title("Iwo Jima, 1945: square law fitted to the daily record (Engel 1954)")
    top.legend(loc="lower right", fontsize=9)
    top.grid(alpha=0.3)

    bottom.plot(engel.day, engel.y_fit / 1e3, "-", color="tab:blue", label="Engel's estimator")
    bottom.plot(lsq.day, lsq.y_fit / 1e3, "--", color="tab:red", label="least squares")
    y_known = ~np.isnan(series.y)
    bottom.plot(series.day[y_known], series.y[y_known] / 1e3, "o", color="black", label="known")
    bottom.set_ylabel("Japanese troops (thousands)")
    bottom.set_xlabel("day after the landing (19 February 1945 = day 0)")
    bottom.legend(loc="upper right", fontsize=9)
    bottom.grid(alpha=0.3)

    OUT.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(OUT, dpi=120)
    print(f"wrote {OUT}")
    laws_figure()


def laws_figure() -> None:
    """Every law fitted by least squares against the actual US strength."""
    series = builtin_series("iwo_jima")
    comparison = compare_laws(series, "lsq")
    x_obs, _ = observed_strengths(series)
    known = ~np.isnan(x_obs)
    weights = {row.law: row.weight for row in comparison.rows}
    fig, ax = plt.subplots(figsize=(8.0, 4.8), layout="constrained")
    ax.plot(series.day[known], x_obs[known] / 1e3, "o", ms=4, color="black", label="actual")
    styles = {"square": "-", "linear": "--", "logarithmic": ":", "general": "-."}
    for law, result in comparison.fits.items():
        ax.plot(
            result.day,
            result.x_fit / 1e3,
            styles[law],
            label=f"{law}: R² = {result.r2:.3f}, Akaike weight {weights[law]:.2f}",
        )
    ax.set_ylabel("US active troops (thousands)")
    ax.set_xlabel("day after the landing (19 February 1945 = day 0)")
    ax.set_ylim(40, 68)
    ax.set_title("Iwo Jima, 1945: the laws fitted by least squares to the US strength")
    ax.legend(loc="lower right", fontsize=9)
    ax.grid(alpha=0.3)
    fig.savefig(OUT_LAWS, dpi=120)
    print(f"wrote {OUT_LAWS}")


if __name__ == "__main__":
    main()
