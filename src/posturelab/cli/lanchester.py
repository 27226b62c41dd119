"""Command ``fit lanchester``: a Lanchester law, or every law, fitted to a combat record.

Exit status: 0 when the fit is printed (warnings, if any, are printed with it and listed under
``warnings`` in the JSON); 2 for bad input (the file, the options, or a record the estimator
cannot fit at all), with located messages and nothing printed on standard output; 3 when the fit
is printed but a diagnostic of severity ``error`` (``negative_coefficient``, ``not_converged``,
``first_row_convention``) says its numbers are not estimates.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, Final

import typer

from posturelab.cli.console import out, print_json
from posturelab.errors import InputError, Problem

if TYPE_CHECKING:
    from posturelab.models.combat_record import FitWarning
    from posturelab.models.lanchester_checks import ResidualTests
    from posturelab.models.lanchester_fit import LanchesterFit, LawComparison

#: Exit status when a fit is printed but an error-level diagnostic makes it meaningless.
EXIT_MEANINGLESS: Final[int] = 3


class Law(StrEnum):
    """Lanchester laws offered on the command line (``all`` compares them)."""

    square = "square"
    linear = "linear"
    logarithmic = "logarithmic"
    mixed = "mixed"
    general = "general"
    all = "all"


class FitMethod(StrEnum):
    """Estimators offered on the command line."""

    engel = "engel"
    lsq = "lsq"
    regression = "regression"


def _finite(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def _warnings(warnings: tuple[FitWarning, ...]) -> list[dict[str, str]]:
    return [{"code": w.code, "severity": w.severity, "message": w.message} for w in warnings]


def _tests(tests: ResidualTests | None) -> dict[str, float | int | None] | None:
    if tests is None:
        return None
    return {
        "n": tests.n,
        "lag1": _finite(tests.lag1),
        "p_autocorrelation": _finite(tests.p_autocorrelation),
        "durbin_watson": _finite(tests.durbin_watson),
        "p_normality": _finite(tests.p_normality),
    }


def lanchester_payload(result: LanchesterFit, source: str) -> dict[str, Any]:
    """Return the JSON-ready description of a fit."""
    correlation = None
    if result.correlation is not None:
        correlation = {
            "names": list(result.correlation_names),
            "matrix": [[float(v) for v in row] for row in result.correlation],
        }
    return {
        "law": result.law,
        "a": result.a,
        "b": result.b,
        "p": result.p,
        "q": result.q,
        "exponents": dict(zip(("p_x", "q_x", "p_y", "q_y"), result.exponents, strict=True)),
        "rmse": _finite(result.rmse),
        "r2": _finite(result.r2),
        "method": result.method,
        "error_model": result.error_model,
        "n_days": result.n_days,
        "n_obs": result.n_obs,
        "se": {name: _finite(v) for name, v in result.se.items()},
        "level": result.level,
        "intervals": {
            name: None if iv is None else [_finite(iv[0]), _finite(iv[1])]
            for name, iv in result.intervals.items()
        },
        "interval_method": result.interval_method,
        "correlation": correlation,
        "loglik": _finite(result.loglik),
        "n_params": result.n_params,
        "aic": _finite(result.aic),
        "bic": _finite(result.bic),
        "residual_tests": _tests(result.tests),
        "converged": result.converged,
        "warnings": _warnings(result.warnings),
        "data": source,
        "notes": list(result.notes),
        "fitted": {
            "day": [float(d) for d in result.day],
            "x": [float(v) for v in result.x_fit],
            "y": [float(v) for v in result.y_fit],
        },
    }


def comparison_payload(result: LawComparison, source: str) -> dict[str, Any]:
    """Return the JSON-ready description of a comparison of laws."""
    return {
        "data": source,
        "method": result.method,
        "comparison": [
            {
                "law": row.law,
                "loglik": row.loglik,
                "n_params": row.n_params,
                "n_obs": row.n_obs,
                "aic": row.aic,
                "bic": row.bic,
                "akaike_weight": row.weight,
                "r2": _finite(row.r2),
                "residual_tests": _tests(row.tests),
                "fits_well": row.fits_well,
            }
            for row in result.rows
        ],
        "statement": result.statement,
        "skipped": list(result.skipped),
        "warnings": _warnings(result.warnings),
        "fits": {law: lanchester_payload(f, source) for law, f in result.fits.items()},
    }


def _fmt(value: float | None, spec: str = ".4g") -> str:
    return "n/a" if value is None else format(value, spec)


def _print_warnings(warnings: list[dict[str, str]]) -> None:
    for w in warnings:
        out.print(f"{w['severity']}: [{w['code']}] {w['message']}", markup=False)


def render_lanchester(payload: Mapping[str, Any]) -> None:
    """Print a fit as a readable table, then its notes and warnings."""
    from rich.table import Table

    table = Table(
        title=f"Lanchester {payload['law']} law, {payload['method']} fit: {payload['data']}"
    )
    level = f"{payload['level']:.0%} interval"
    for header in ("quantity", "estimate", "std. error", level):
        table.add_column(header, justify="left" if header == "quantity" else "right")
    se, intervals = payload["se"], payload["intervals"]
    labels = {"a": "a (y against x)", "b": "b (x against y)", "p": "p", "q": "q"}
    for name, label in labels.items():
        interval = intervals.get(name)
        shown = "" if interval is None else f"[{_fmt(interval[0])}, {_fmt(interval[1])}]"
        error = se.get(name)
        table.add_row(
            label,
            _fmt(payload[name], ".6g"),
            "" if name not in se else ("undefined" if error is None else f"{error:.4g}"),
            shown,
        )
    table.add_row("RMSE", _fmt(payload["rmse"]), "", "")
    table.add_row("R²", _fmt(payload["r2"], ".4f"), "", "")
    if payload["loglik"] is not None:
        table.add_row("log-likelihood / AIC / BIC", "", "", "")
        table.add_row(
            "", f"{payload['loglik']:.2f} / {payload['aic']:.2f} / {payload['bic']:.2f}", "", ""
        )
    table.add_row("days / observations", f"{payload['n_days']} / {payload['n_obs']}", "", "")
    out.print(table)
    out.print(f"error model: {payload['error_model']}; intervals: {payload['interval_method']}")
    corr = payload["correlation"]
    if corr is not None and len(corr["names"]) > 1:
        pairs = [
            f"{a}~{b} {corr['matrix'][i][j]:+.2f}"
            for i, a in enumerate(corr["names"])
            for j, b in enumerate(corr["names"])
            if j > i
        ]
        out.print("correlation of estimates (log a, log b): " + ", ".join(pairs))
    for note in payload["notes"]:
        out.print(f"note: {note}", markup=False)
    _print_warnings(payload["warnings"])


def render_comparison(payload: Mapping[str, Any]) -> None:
    """Print a comparison of laws: one row per law, the statement and the warnings."""
    from rich.table import Table

    table = Table(title=f"Lanchester laws compared ({payload['method']} fit): {payload['data']}")
    headers = ("law", "log L", "k", "AIC", "BIC", "weight", "R²", "lag-1 r (p)", "normal p")
    for header in headers:
        table.add_column(header, justify="left" if header == "law" else "right")
    for row in payload["comparison"]:
        tests = row["residual_tests"]
        table.add_row(
            row["law"],
            f"{row['loglik']:.2f}",
            str(row["n_params"]),
            f"{row['aic']:.2f}",
            f"{row['bic']:.2f}",
            f"{row['akaike_weight']:.3f}",
            _fmt(row["r2"], ".3f"),
            f"{_fmt(tests['lag1'], '.2f')} ({_fmt(tests['p_autocorrelation'], '.2g')})",
            _fmt(tests["p_normality"], ".2g"),
        )
    out.print(table)
    out.print(payload["statement"])
    for skipped in payload["skipped"]:
        out.print(f"not fitted: {skipped}", markup=False)
    _print_warnings(payload["warnings"])


def _check_options(law: Law, p: float | None, q: float | None, level: float) -> None:
    problems: list[Problem] = []
    for name, value in (("p", p), ("q", q)):
        if value is None:
            continue
        if law is not Law.general:
            problems.append(
                Problem("<command line>", None, None, f"--{name}", "only with --law general")
            )
        elif not (math.isfinite(value) and 0.0 <= value <= 3.0):
            problems.append(
                Problem(
                    "<command line>", None, None, f"--{name}", f"must be in [0, 3], got {value}"
                )
            )
    if not (0.5 <= level < 1.0):
        problems.append(
            Problem("<command line>", None, None, "--level", f"must be in [0.5, 1), got {level}")
        )
    if problems:
        raise InputError(problems)


def lanchester_command(
    data: Annotated[
        str, typer.Argument(help="CSV with columns day (or duration), x, y [, x_reinf, ...]")
    ],
    law: Annotated[Law, typer.Option(help="Attrition law, or all to compare them.")] = Law.square,
    method: Annotated[
        FitMethod | None,
        typer.Option(help="Estimator (default: engel; regression with --law all)."),
    ] = None,
    p: Annotated[
        float | None, typer.Option("--p", help="Exponent p of the general law (fixed).")
    ] = None,
    q: Annotated[
        float | None, typer.Option("--q", help="Exponent q of the general law (fixed).")
    ] = None,
    level: Annotated[float, typer.Option(help="Level of the intervals.")] = 0.9,
    exclude_day: Annotated[
        list[int] | None,
        typer.Option("--exclude-day", help="Treat this day's strengths and losses as unknown."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Fit a Lanchester law to a combat record (a is y's effectiveness against x).

    Exit status 0: fitted; 2: bad input or a record the method cannot fit; 3: printed, but an
    error-level diagnostic says the numbers are not estimates.
    """
    from posturelab.data.combat_csv import read_combat_csv
    from posturelab.models.lanchester_fit import compare_laws, fit

    _check_options(law, p, q, level)
    chosen = method or (FitMethod.regression if law is Law.all else FitMethod.engel)
    series = read_combat_csv(data)
    if exclude_day:
        series = series.without_days(tuple(float(d) for d in exclude_day))
    payload: dict[str, Any]
    try:
        if law is Law.all:
            comparison = compare_laws(series, chosen.value, level=level)
            payload = comparison_payload(comparison, data)
        else:
            result = fit(series, law.value, chosen.value, p=p, q=q, level=level)
            payload = lanchester_payload(result, data)
    except ValueError as exc:
        raise InputError.single(data, f"cannot fit: {exc}") from None
    if exclude_day:
        payload["excluded_days"] = sorted(set(exclude_day))
    if as_json:
        print_json(payload)
    elif law is Law.all:
        render_comparison(payload)
    else:
        render_lanchester(payload)
    if any(w["severity"] == "error" for w in payload["warnings"]):
        raise typer.Exit(EXIT_MEANINGLESS)
