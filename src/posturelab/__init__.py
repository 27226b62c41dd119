"""posturelab: an open scenario laboratory for force posture and deterrence.

The public Python API (:mod:`posturelab.api`) is available from the top level, imported on first
use so that ``import posturelab`` and the command line start quickly::

    import posturelab as pl

    ensemble = pl.run("korea-2025", members=500, levers={"relocation_troops": 4500})
    ensemble.summary

Every function raises :class:`InputError` (with every located problem) on bad input.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from posturelab.api import (
        Alignment,
        Campaign,
        ClaimsResult,
        Comparison,
        Discovery,
        Ensemble,
        IndicatorStats,
        LanchesterResult,
        RichardsonResult,
        Sensitivity,
        Targets,
        align,
        campaign,
        claims,
        compare,
        discover,
        fit_lanchester,
        fit_richardson,
        lever_settings,
        load_scenario,
        open_run,
        resume,
        run,
        sensitivity,
        targets,
    )
    from posturelab.errors import InputError, Problem, ScenarioError

__all__ = [
    "Alignment",
    "Campaign",
    "ClaimsResult",
    "Comparison",
    "Discovery",
    "Ensemble",
    "IndicatorStats",
    "InputError",
    "LanchesterResult",
    "Problem",
    "RichardsonResult",
    "ScenarioError",
    "Sensitivity",
    "Targets",
    "__version__",
    "align",
    "campaign",
    "claims",
    "compare",
    "discover",
    "fit_lanchester",
    "fit_richardson",
    "lever_settings",
    "load_scenario",
    "open_run",
    "resume",
    "run",
    "sensitivity",
    "targets",
]
_ERRORS = frozenset({"InputError", "Problem", "ScenarioError"})
_API = frozenset(__all__) - _ERRORS - {"__version__"}


def __getattr__(name: str) -> Any:
    """Import the public names on first use (PEP 562)."""
    if name == "__version__":
        from posturelab.version import package_version

        value: Any = package_version()
    elif name in _ERRORS:
        from posturelab import errors

        value = getattr(errors, name)
    elif name in _API:
        from posturelab import api

        value = getattr(api, name)
    else:
        raise AttributeError(f"module 'posturelab' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
