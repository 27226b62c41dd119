"""Defaults shared by the faces and the engine, in a module that imports nothing.

The command line reads these to print its help without importing the engine.
"""

from __future__ import annotations

from typing import Final

DEFAULT_SCENARIO: Final = "korea-2025"
"""The scenario used when none is named."""
DEFAULT_MEMBERS: Final = 1000
"""Ensemble size when none is given."""
DEFAULT_SEED: Final = 20250531
"""Root random seed when none is given (the day the relocation option was reported)."""
DEFAULT_RUNNER: Final = "local"
"""Where chunks run when no runner is named (:mod:`posturelab.runners`)."""
DEFAULT_CAMPAIGN_DAYS: Final = 30
"""Horizon of a campaign run from parameters, in days (Epstein's worked example)."""
DEFAULT_CHUNK: Final = 10_000
"""Members per chunk when a command is given no chunk size (:mod:`posturelab.engine.run`)."""
DEFAULT_CALIBRATION_WAVES: Final = 3
"""Waves of history matching (:mod:`posturelab.explore.calibration`)."""
DEFAULT_CALIBRATION_MEMBERS: Final = 1000
"""Candidates simulated per wave of history matching."""
DEFAULT_CALIBRATION_REPLICATES: Final = 4
"""Runs of each history-matching candidate, to estimate its stochastic variance."""
