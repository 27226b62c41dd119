"""Targets: a scenario's ensemble held against the published figures its ``targets:`` list.

:func:`targets` runs one ensemble per set of lever conditions the targets name, reduces each
member to the target's quantity and reports, for each target, the published figure, the model's
median and 90% interval and the implausibility of history matching (consistent when at most 3;
see ``docs/calibration.md``). It is what ``posturelab targets`` computes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from posturelab.api._analysis import calibrated, open_executor, table_of
from posturelab.api._display import html_table, number
from posturelab.api.inputs import ScenarioRef, bad_option
from posturelab.api.inputs import load_scenario as _load
from posturelab.api.rows import CalibrationUsed, calibration_used
from posturelab.defaults import DEFAULT_RUNNER, DEFAULT_SCENARIO, DEFAULT_SEED
from posturelab.errors import InputError

if TYPE_CHECKING:
    from pathlib import Path

    import pandas as pd
    from matplotlib.figure import Figure

    from posturelab.explore.targets import TargetRow


@dataclass(frozen=True, eq=False)
class Targets:
    """Every target of a scenario held against one ensemble design.

    Attributes
    ----------
    scenario, members, seed
        The scenario's id, the ensemble size and the root seed (every set of conditions runs on
        the same members and random streams).
    rows
        One row per target: the published figure and bracket, the model's mean, median and
        5-95% interval over the members where the quantity has a value, the implausibility and
        the status (``consistent``, ``inconsistent`` or ``no value``).
    calibration
        The calibration whose NROY members were run, or ``None`` (the prior).
    """

    scenario: str
    members: int
    seed: int
    rows: tuple[TargetRow, ...]
    calibration: CalibrationUsed | None = None

    def inconsistent(self, use: str | None = None) -> list[TargetRow]:
        """The inconsistent targets, all of them or only those of one use.

        Parameters
        ----------
        use
            ``calibration`` or ``validation``; ``None`` for both.
        """
        return [r for r in self.rows if r.status == "inconsistent" and use in (None, r.use)]

    @property
    def calibration_label(self) -> str | None:
        """What the ensemble ran on, as the table says it: the calibration's members or ``None``."""
        if self.calibration is None:
            return None
        return f"the NROY members of {self.calibration.file}"

    def to_pandas(self) -> pd.DataFrame:
        """One row per target, indexed by its id."""
        return table_of(self.rows).set_index("id")

    def to_json(self) -> dict[str, Any]:
        """The document ``posturelab targets --json`` prints."""
        from posturelab.explore.targets import row_dict

        return {
            "scenario": self.scenario,
            "members": self.members,
            "seed": self.seed,
            "calibration": self.calibration_label,
            "targets": [row_dict(r) for r in self.rows],
        }

    def plot(self) -> Figure:
        """One panel per target: the published bracket against the model's 5-95% interval."""
        from posturelab.report.target_figures import target_intervals

        return target_intervals(self.rows, f"{self.scenario}: targets")

    def _repr_html_(self) -> str:
        def kind(row: TargetRow) -> str:
            return "probability" if row.unit == "probability" else ""

        rows = [
            (
                r.id,
                r.use,
                r.quantity,
                f"{number(r.published, kind(r))} [{number(r.published_low, kind(r))}, "
                f"{number(r.published_high, kind(r))}]",
                number(r.model_p50, kind(r)),
                f"[{number(r.model_p05, kind(r))}, {number(r.model_p95, kind(r))}]",
                number(r.implausibility),
                r.status,
            )
            for r in self.rows
        ]
        return html_table(
            f"{self.scenario}: targets, {self.members:,} members",
            (
                "target",
                "use",
                "quantity",
                "published",
                "model median",
                "model 90%",
                "implausibility",
                "status",
            ),
            rows,
            "Consistent when the implausibility is at most 3.",
        )


def targets(
    scenario: ScenarioRef = DEFAULT_SCENARIO,
    *,
    members: int | None = None,
    seed: int = DEFAULT_SEED,
    calibration: str | Path | None = None,
    runner: str = DEFAULT_RUNNER,
    workers: int | None = None,
    scheduler: str | None = None,
) -> Targets:
    """Hold every target of a scenario against its ensemble.

    Parameters
    ----------
    scenario
        A built-in id, a scenario file path or a loaded scenario.
    members, seed
        Ensemble size (default 1,000, or every NROY member of ``calibration``) and root seed.
    calibration
        A calibration file (``posturelab calibrate``): run on its NROY members.
    runner, workers, scheduler
        Where the chunks run (see :func:`posturelab.api.run`).

    Raises
    ------
    InputError
        When the scenario has no targets, ``members`` < 2 or ``seed`` < 0, or on a bad
        scenario or calibration file.

    Examples
    --------
    >>> t = targets("korea-2025", members=40, runner="sequential")
    >>> [row.id for row in t.rows][:2]
    ['dprk_base_rate', 'taiwan_control_2030']
    >>> {row.status for row in t.rows} <= {"consistent", "inconsistent", "no value"}
    True
    """
    from posturelab.engine.run import RunOptions
    from posturelab.explore.targets import evaluate_targets

    if members is not None and members < 2:
        raise bad_option("members", f"{{option}} must be >= 2, got {members}")
    if seed < 0:
        raise bad_option("seed", f"{{option}} must be >= 0, got {seed}")
    loaded = _load(scenario)
    s = loaded.scenario
    if not s.targets:
        raise InputError.single(loaded.origin, "the scenario has no targets", path="targets")
    design, record, size = calibrated(calibration, loaded, members)
    with open_executor(runner, workers, scheduler, loaded) as executor:
        report = evaluate_targets(
            s,
            RunOptions(members=size, seed=seed),
            design=design,
            calibration=None if record is None else f"the NROY members of {record['file']}",
            executor=executor,
        )
    return Targets(
        scenario=report.scenario,
        members=report.members,
        seed=report.seed,
        rows=report.rows,
        calibration=calibration_used(record),
    )
