"""Commands about scenarios: ``scenarios``, ``validate``, ``sources``, ``show``, ``schema``."""

from __future__ import annotations

import typer


def register(app: typer.Typer, fit_app: typer.Typer) -> None:
    """Add the scenario commands to ``app``."""
    del fit_app
