"""Command ``fit lanchester``: a Lanchester law, or every law, fitted to a combat record.

Exit status: 0 when the fit is printed (warnings, if any, are printed with it and listed under
``warnings`` in the JSON); 2 for bad input (the file, the options, or a record the estimator
cannot fit at all), with located messages and nothing printed on standard output; 3 when the fit
is printed but a diagnostic of severity ``error`` (``negative_coefficient``, ``not_converged``,
``first_row_convention``) says its numbers are not estimates.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Final

import typer

from posturelab.cli.console import out, print_json

if TYPE_CHECKING:
    from posturelab.api.lanchester import LanchesterResult
    from posturelab.api.lanchester_laws import LawsComparison
    from posturelab.models.combat_record import FitWarning

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


def _fmt(value: float | None, spec: str = ".4g") -> str:
    return "n/a" if value is None else format(value, spec)


def _print_warnings(warnings: tuple[FitWarning, ...]) -> None:
    for w in warnings:
        out.print(f"{w.severity}: [{w.code}] {w.message}", markup=False)


def render_lanchester(result: LanchesterResult) -> None:
    """Print a fit as a readable table, then its notes and warnings."""
    from rich.table import Table

    table = Table(title=f"Lanchester {result.law} law, {result.method} fit: {result.data}")
    level = f"{result.level:.0%} interval"
    for header in ("quantity", "estimate", "std. error", level):
        table.add_column(header, justify="left" if header == "quantity" else "right")
    se, intervals = result.se, result.intervals
    labels = {"a": "a (y against x)", "b": "b (x against y)", "p": "p", "q": "q"}
    for name, label in labels.items():
        interval = intervals.get(name)
        shown = "" if interval is None else f"[{_fmt(interval[0])}, {_fmt(interval[1])}]"
        error = se.get(name)
        table.add_row(
            label,
            _fmt(getattr(result, name), ".6g"),
            "" if name not in se else ("undefined" if error is None else f"{error:.4g}"),
            shown,
        )
    table.add_row("RMSE", _fmt(result.rmse), "", "")
    table.add_row("R²", _fmt(result.r2, ".4f"), "", "")
    if result.loglik is not None:
        table.add_row("log-likelihood / AIC / BIC", "", "", "")
        table.add_row("", f"{result.loglik:.2f} / {result.aic:.2f} / {result.bic:.2f}", "", "")
    table.add_row("days / observations", f"{result.n_days} / {result.n_obs}", "", "")
    out.print(table)
    out.print(f"error model: {result.error_model}; intervals: {result.interval_method}")
    names, matrix = result.correlation_names, result.correlation
    if matrix is not None and len(names) > 1:
        pairs = [
            f"{a}~{b} {float(matrix[i][j]):+.2f}"
            for i, a in enumerate(names)
            for j, b in enumerate(names)
            if j > i
        ]
        out.print("correlation of estimates (log a, log b): " + ", ".join(pairs))
    for note in result.notes:
        out.print(f"note: {note}", markup=False)
    _print_warnings(result.warnings)


def render_comparison(result: LawsComparison) -> None:
    """Print a comparison of laws: one row per law, the statement and the warnings."""
    from rich.table import Table

    table = Table(title=f"Lanchester laws compared ({result.method} fit): {result.data}")
    headers = ("law", "log L", "k", "AIC", "BIC", "weight", "R²", "lag-1 r (p)", "normal p")
    for header in headers:
        table.add_column(header, justify="left" if header == "law" else "right")
    for row in result.rows:
        tests = row.tests
        table.add_row(
            row.law,
            f"{row.loglik:.2f}",
            str(row.n_params),
            f"{row.aic:.2f}",
            f"{row.bic:.2f}",
            f"{row.akaike_weight:.3f}",
            _fmt(row.r2, ".3f"),
            f"{_fmt(tests.lag1, '.2f')} ({_fmt(tests.p_autocorrelation, '.2g')})",
            _fmt(tests.p_normality, ".2g"),
        )
    out.print(table)
    out.print(result.statement)
    for skipped in result.skipped:
        out.print(f"not fitted: {skipped}", markup=False)
    _print_warnings(result.warnings)


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
    from posturelab.api.lanchester import check_options, fit_lanchester
    from posturelab.api.lanchester_laws import LawsComparison, compare_lanchester

    days = exclude_day or []
    chosen = method or (FitMethod.regression if law is Law.all else FitMethod.engel)
    check_options(law.value, chosen.value, p, q, level)
    result: LanchesterResult | LawsComparison
    if law is Law.all:
        result = compare_lanchester(data, method=chosen.value, level=level, exclude_days=days)
    else:
        result = fit_lanchester(
            data,
            law=law.value,
            method=chosen.value,
            p=p,
            q=q,
            level=level,
            exclude_days=days,
        )
    if as_json:
        print_json(result.to_json())
    elif isinstance(result, LawsComparison):
        render_comparison(result)
    else:
        render_lanchester(result)
    if result.meaningless:
        raise typer.Exit(EXIT_MEANINGLESS)
