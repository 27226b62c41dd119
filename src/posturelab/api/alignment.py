"""Alignment by landscape theory (Axelrod & Bennett 1993).

:func:`align` finds the global and local minima of an alignment problem's energy landscape and
the cohesion of a bloc (``docs/models/alignment.md``); Richardson's two-bloc fit is in
:mod:`posturelab.api.richardson`.
"""

from __future__ import annotations

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

    what = "problem"
    if isinstance(problem, AlignmentParams):
        params = problem
    else:
        what = "file"
        from posturelab.data.alignment_file import read_alignment_file

        params = read_alignment_file(str(problem))
    names = params.names or tuple(f"actor {k}" for k in range(params.n_actors))
    members = None if bloc is None else _bloc_indices(bloc, names)
    n = params.n_actors
    if members is not None and n > exact_limit:
        raise bad_option(
            "bloc",
            f"{{option}} needs the exact search, which handles at most {exact_limit} actors "
            f"(this {what} has {n})",
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
