"""The analysis service: posturelab's public Python API.

Every face of posturelab (this API in a notebook, the command line, the web app) computes through
these functions, so the same inputs give the same numbers everywhere. Each takes a scenario (a
built-in id, a file path or a loaded scenario) and options, and returns a frozen, typed result
with ``to_pandas()`` (and ``to_xarray()`` where it fits), ``plot()`` and a ``_repr_html_`` for
Jupyter. Bad input raises one exception type, :class:`~posturelab.errors.InputError`, whose
``problems`` list every located problem found (file, line, column, field, message).
"""

from posturelab.api.adm import Campaign, campaign
from posturelab.api.alignment import Alignment, RichardsonResult, align, fit_richardson
from posturelab.api.comparison import ClaimsResult, Comparison, claims, compare
from posturelab.api.ensemble import Ensemble, IndicatorStats, open_run
from posturelab.api.exploration import Discovery, Sensitivity, discover, sensitivity
from posturelab.api.inputs import lever_settings, load_scenario
from posturelab.api.lanchester import LanchesterResult, fit_lanchester
from posturelab.api.running import resume, run
from posturelab.api.target_report import Targets, targets
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
