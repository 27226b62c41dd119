"""Small rendering helpers shared by the API's results: HTML tables for notebooks, numbers."""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Sequence


def number(value: float | None, kind: str = "") -> str:
    """A number as an analyst reads it: probabilities in percent, large values with separators.

    >>> number(0.01234, "probability"), number(28500.0), number(None), number(0.5)
    ('1.23%', '28,500', '-', '0.5')
    """
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    if kind == "probability":
        return f"{100 * value:.2f}%"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.4g}"


def html_table(
    title: str, columns: Sequence[str], rows: Iterable[Sequence[object]], note: str = ""
) -> str:
    """A titled HTML table with every cell escaped (for ``_repr_html_``)."""
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(cell))}</td>" for cell in row) + "</tr>"
        for row in rows
    )
    foot = f"<p>{html.escape(note)}</p>" if note else ""
    return (
        f"<div><strong>{html.escape(title)}</strong>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{foot}</div>"
    )
