"""Alignment by landscape theory (Axelrod & Bennett 1993) and Richardson's two-bloc arms race.

:func:`align` finds the global and local minima of an alignment problem's energy landscape and
the cohesion of a bloc; :func:`fit_richardson` fits the two-bloc reduction of Richardson's model
to yearly budgets (``docs/models/alignment.md``, ``docs/models/arms.md``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt

from posturelab.api._display import html_table, number
from posturelab.api.inputs import bad_option
from posturelab.errors import InputError
from posturelab.models.alignment import AlignmentParams

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

    from posturelab.data.budgets_csv import BlocBudgets

EXACT_LIMIT = 22
"""Largest number of actors whose landscape :func:`align` enumerates (annealing beyond)."""

Sides = tuple[tuple[str, ...], tuple[str, ...]]


@dataclass(frozen=True)
class Configuration:
    """A two-sided configuration: who is on each side, its energy and its basin.

    The basin of a local minimum is the number of configurations whose steepest descent ends
    there (``None`` for a configuration found by annealing).
    """

    sides: Sides
    energy: float
    basin: int | None = None


@dataclass(frozen=True)
class Cohesion:
    """A bloc's cohesion: the energy it costs to split it (``split - together``)."""

    bloc: tuple[str, ...]
    cohesion: float
    together_energy: float
    split_energy: float
    global_splits_bloc: bool
    cheapest_together: Sides
    cheapest_split: Sides


@dataclass(frozen=True, eq=False)
class Alignment:
    """The minima of an alignment problem.

    Attributes
    ----------
    actors, sizes
        The actors and their sizes.
    method
        ``exact`` (every configuration enumerated) or ``annealing`` (beyond the exact limit:
        the best configuration found, minima not enumerated).
    configurations, seed
        Configurations enumerated (exact), or the annealing seed.
    global_minimum, minima
        The global minimum and every local minimum with its basin (exact only).
    cohesion
        The cohesion of the requested bloc, if any.
    """

    actors: tuple[str, ...]
    sizes: tuple[float, ...]
    method: Literal["exact", "annealing"]
    configurations: int | None
    seed: int | None
    global_minimum: Configuration
    minima: tuple[Configuration, ...]
    cohesion: Cohesion | None

    def to_pandas(self) -> pd.DataFrame:
        """The local minima (or the global one after annealing), one row each."""
        import pandas as pd

        rows = self.minima or (self.global_minimum,)
        return pd.DataFrame(
            {
                "energy": [m.energy for m in rows],
                "basin": [m.basin for m in rows],
                "side_1": [", ".join(m.sides[0]) for m in rows],
                "side_2": [", ".join(m.sides[1]) for m in rows],
            }
        )

    def to_json(self) -> dict[str, Any]:
        """What ``posturelab align --json`` prints."""

        def sides(s: Sides) -> list[list[str]]:
            return [list(s[0]), list(s[1])]

        report: dict[str, Any] = {
            "actors": [
                {"name": n, "size": s} for n, s in zip(self.actors, self.sizes, strict=True)
            ],
            "method": self.method,
        }
        if self.method == "exact":
            report["configurations"] = self.configurations
        else:
            report["seed"] = self.seed
        report["global"] = {
            "sides": sides(self.global_minimum.sides),
            "energy": self.global_minimum.energy,
        }
        report["minima"] = [
            {"sides": sides(m.sides), "energy": m.energy, "basin": m.basin} for m in self.minima
        ]
        c = self.cohesion
        report["cohesion"] = (
            None
            if c is None
            else {
                "bloc": list(c.bloc),
                "cohesion": c.cohesion,
                "together_energy": c.together_energy,
                "split_energy": c.split_energy,
                "global_splits_bloc": c.global_splits_bloc,
                "cheapest_together": {"sides": sides(c.cheapest_together)},
                "cheapest_split": {"sides": sides(c.cheapest_split)},
            }
        )
        return report

    def plot(self) -> Figure:
        """The local minima's energies, with the share of configurations in each basin."""
        import matplotlib.pyplot as plt

        rows = self.minima or (self.global_minimum,)
        fig, ax = plt.subplots(figsize=(7, 3.5))
        total = sum(m.basin or 0 for m in rows) or 1
        ax.bar(range(1, len(rows) + 1), [m.energy for m in rows], color="#4c72b0")
        for k, m in enumerate(rows, start=1):
            if m.basin is not None:
                ax.annotate(f"{m.basin / total:.0%}", (k, m.energy), ha="center", fontsize=8)
        ax.set_xlabel("local minimum")
        ax.set_ylabel("energy")
        ax.set_title("Alignment landscape: minima and basin shares", fontsize=10)
        fig.tight_layout()
        return fig

    def _repr_html_(self) -> str:
        rows = [
            (
                k,
                number(m.energy),
                "-" if m.basin is None else m.basin,
                ", ".join(m.sides[0]),
                ", ".join(m.sides[1]),
            )
            for k, m in enumerate(self.minima or (self.global_minimum,), start=1)
        ]
        return html_table(
            f"{len(self.actors)} actors, {self.method} search",
            ("#", "energy", "basin", "side 1", "side 2"),
            rows,
        )


def _sides_of(sides: npt.ArrayLike, names: tuple[str, ...]) -> Sides:
    values = np.asarray(sides)
    return (
        tuple(names[i] for i in range(len(names)) if int(values[i]) == 0),
        tuple(names[i] for i in range(len(names)) if int(values[i]) == 1),
    )


def _bloc_indices(bloc: str | Sequence[str], names: tuple[str, ...]) -> list[int]:
    members = (
        [m.strip() for m in bloc.split(",") if m.strip()]
        if isinstance(bloc, str)
        else [str(m) for m in bloc]
    )
    index = {name: k for k, name in enumerate(names)}
    problems = [bad_option("bloc", f"unknown actor {m!r}") for m in members if m not in index]
    if len(set(members)) != len(members):
        problems.append(bad_option("bloc", "an actor is named twice"))
    if len(members) < 2:
        problems.append(bad_option("bloc", f"a bloc needs two actors, got {bloc!r}"))
    if problems:
        raise InputError([p for e in problems for p in e.problems])
    return [index[m] for m in members]


def align(
    problem: AlignmentParams | str | Path,
    *,
    bloc: str | Sequence[str] | None = None,
    seed: int = 0,
    exact_limit: int = EXACT_LIMIT,
) -> Alignment:
    """Predict alignments by landscape theory: the minima of the energy landscape.

    Parameters
    ----------
    problem
        Actors with sizes and propensities: :class:`~posturelab.models.alignment.
        AlignmentParams`, or a YAML or JSON file of them (see ``docs/models/alignment.md``).
    bloc
        Actor names (a list or ``"A,B,C"``) whose cohesion to report (exact search only).
    seed
        Seed of the annealing used beyond ``exact_limit`` actors.
    exact_limit
        Most actors whose landscape is enumerated.

    Raises
    ------
    InputError
        On a bad file (located), an unknown actor in ``bloc``, or a bloc beyond the exact limit.

    Examples
    --------
    >>> import numpy as np
    >>> p = AlignmentParams(np.ones(3), np.array([[0, 1, -1], [1, 0, -1], [-1, -1, 0]]),
    ...                     ("A", "B", "C"))
    >>> result = align(p, bloc="A,B")
    >>> result.global_minimum.sides, result.cohesion.cohesion > 0
    ((('A', 'B'), ('C',)), True)
    """
    from posturelab.models.alignment import exact_landscape
    from posturelab.models.alignment_solvers import anneal, bloc_cohesion

    if isinstance(problem, AlignmentParams):
        params = problem
    else:
        from posturelab.data.alignment_file import read_alignment_file

        params = read_alignment_file(str(problem))
    names = params.names or tuple(f"actor {k}" for k in range(params.n_actors))
    members = None if bloc is None else _bloc_indices(bloc, names)
    n = params.n_actors
    if members is not None and n > exact_limit:
        raise bad_option(
            "bloc",
            f"{{option}} needs the exact search, which handles at most {exact_limit} actors "
            f"(this problem has {n})",
        )
    sizes = tuple(float(s) for s in params.sizes)
    if n > exact_limit:
        found = anneal(params, np.random.default_rng(seed))
        return Alignment(
            names, sizes, "annealing", None, seed,
            Configuration(_sides_of(found.sides, names), float(found.energy)), (), None,
        )  # fmt: skip
    land = exact_landscape(params)
    cohesion = None
    if members is not None:
        coh = bloc_cohesion(land, members)
        cohesion = Cohesion(
            tuple(names[i] for i in coh.bloc),
            float(coh.cohesion),
            float(coh.together_energy),
            float(coh.split_energy),
            bool(coh.global_splits),
            _sides_of(land.sides(coh.together_code), names),
            _sides_of(land.sides(coh.split_code), names),
        )
    return Alignment(
        actors=names,
        sizes=sizes,
        method="exact",
        configurations=1 << (n - 1),
        seed=None,
        global_minimum=Configuration(
            _sides_of(land.sides(land.global_code), names), float(land.global_energy)
        ),
        minima=tuple(
            Configuration(_sides_of(land.sides(int(c)), names), float(e), int(b))
            for c, e, b in zip(land.minima, land.minimum_energies, land.basins, strict=True)
        ),
        cohesion=cohesion,
    )


# ----------------------------------------------------------------------------------- Richardson
def _clean(value: float) -> float | None:
    return value if math.isfinite(value) else None


@dataclass(frozen=True)
class RichardsonResult:
    """The two-bloc Richardson reduction fitted to yearly budgets.

    ``increment = slope · (total − zero_point)``; ``slope`` estimates ``k − α`` (yearly) and
    ``intercept`` estimates ``g + h``; ``continuous_rate`` is ``k − α`` of the continuous model.

    Attributes
    ----------
    slope, intercept, zero_point, r2, continuous_rate
        The fit (``None`` where undefined).
    years, blocs, totals
        The data: consecutive years, the two blocs' names and their yearly totals.
    """

    slope: float
    intercept: float
    zero_point: float | None
    r2: float | None
    continuous_rate: float | None
    years: tuple[int, ...]
    blocs: tuple[str, str]
    totals: tuple[tuple[float, ...], tuple[float, ...]]

    @property
    def grievance(self) -> float | None:
        """``g + h`` of the continuous model (``−rate · zero_point``)."""
        if self.continuous_rate is None or self.zero_point is None:
            return None
        return -self.continuous_rate * self.zero_point

    def to_pandas(self) -> pd.DataFrame:
        """The yearly totals of both blocs and their sum."""
        import pandas as pd

        u, v = self.totals
        frame = pd.DataFrame(
            {self.blocs[0]: u, self.blocs[1]: v}, index=pd.Index(self.years, name="year")
        )
        frame["total"] = frame[self.blocs[0]] + frame[self.blocs[1]]
        return frame

    def to_json(self) -> dict[str, Any]:
        """What ``posturelab fit richardson --json`` prints."""
        return {
            "slope": self.slope,
            "zero_point": self.zero_point,
            "intercept": self.intercept,
            "r2": self.r2,
            "years": list(self.years),
            "blocs": list(self.blocs),
            "continuous_rate": self.continuous_rate,
        }

    def plot(self) -> Figure:
        """Yearly increments against the mid-year total, with the fitted line."""
        import matplotlib.pyplot as plt

        total = np.add(*[np.asarray(t) for t in self.totals])
        inc = np.diff(total)
        mid = (total[1:] + total[:-1]) / 2
        fig, ax = plt.subplots(figsize=(6, 4))
        ax.scatter(mid, inc, label="years")
        xs = np.linspace(mid.min(), mid.max(), 50)
        ax.plot(xs, self.intercept + self.slope * xs, color="#c44e52", label="fit")
        ax.set_xlabel("total")
        ax.set_ylabel("yearly increment")
        ax.legend(fontsize=8)
        fig.tight_layout()
        return fig

    def _repr_html_(self) -> str:
        return html_table(
            f"Richardson two-bloc fit: {self.blocs[0]} and {self.blocs[1]}",
            ("quantity", "value"),
            [
                ("slope (k − α per year)", number(self.slope)),
                ("intercept (g + h)", number(self.intercept)),
                ("zero point", number(self.zero_point)),
                ("R²", number(self.r2)),
                ("continuous k − α", number(self.continuous_rate)),
            ],
        )


def fit_richardson(budgets: str | Path | BlocBudgets) -> RichardsonResult:
    """Fit Richardson's two-bloc reduction ``d(U+V)/dt = (k − α)(U+V) + (g + h)``.

    Parameters
    ----------
    budgets
        A CSV with columns ``year,country,bloc,spending`` (exactly two blocs, consecutive
        years), or :class:`~posturelab.data.budgets_csv.BlocBudgets`.

    Raises
    ------
    InputError
        Every problem of the file, located; or data that cannot be fitted.

    Examples
    --------
    >>> from posturelab.data.budgets_csv import BlocBudgets
    >>> totals = ((10.0, 12.0, 14.4), (0.0, 0.0, 0.0))  # 20% growth a year, no grievance
    >>> fit = fit_richardson(BlocBudgets((2000, 2001, 2002), ("U", "V"), totals))
    >>> round(fit.continuous_rate, 4), round(fit.zero_point, 9)  # ln 1.2 = 0.1823
    (0.1823, 0.0)
    """
    from posturelab.data.budgets_csv import BlocBudgets, read_budgets_file
    from posturelab.models.arms import fit_two_bloc

    data = budgets if isinstance(budgets, BlocBudgets) else read_budgets_file(str(budgets))
    name = "<budgets>" if isinstance(budgets, BlocBudgets) else str(budgets)
    try:
        fit = fit_two_bloc(data.years, data.totals[0], data.totals[1])
    except ValueError as exc:
        raise InputError.single(name, str(exc), path="spending") from None
    return RichardsonResult(
        slope=fit.slope,
        intercept=fit.intercept,
        zero_point=_clean(fit.zero_point),
        r2=_clean(fit.r2),
        continuous_rate=_clean(fit.continuous_rate),
        years=tuple(fit.years),
        blocs=data.blocs,
        totals=data.totals,
    )
