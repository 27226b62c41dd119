"""Structural uncertainty: alternative functional forms of a relation, in the scenario language.

Where the literature disagrees on the form of a relation, a scenario's ``structure`` section
declares the relation's alternative forms, each with its weight and its source::

    structure:
      - id: tripwire                 # a relation of posturelab.registry.STRUCTURAL_RELATIONS
        contests: [dprk_attack]      # the contests it applies to (default: every contest)
        forms:
          - {id: saturating, weight: 0.5, source: huth-1988}
          - {id: flat, weight: 0.25, source: fuhrmann-sechser-2014}
          - id: threshold
            weight: 0.25
            source: schelling-1966
            terms:
              threshold: {dist: uniform, low: 10000, high: 28500, assumption: '...'}

The weights sum to 1. A relation with two or more forms of positive weight is a categorical
uncertainty: the catalogue of numbers (:func:`structure_quantities`) holds the choice as
``structure.<relation>.form``, a ``choice`` over the forms' codes (their positions in the
registry) with the stated weights, sampled per member through the same design as every other
uncertain number. A form's terms are quantities named ``structure.<relation>.forms.<form>.terms.
<term>``. :func:`fix_structure` fixes a relation to one form (``--structure tripwire=flat``): the
scenario then declares only that form, with weight 1, and nothing is sampled for it.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated

from pydantic import Field, model_validator

from posturelab.registry import STRUCTURAL_RELATIONS, form_terms, structural_forms
from posturelab.scenario.primitives import Id, Strict, Text
from posturelab.scenario.quantity import Positive, Quantity

WEIGHT_TOLERANCE = 1e-6
"""How far the weights of a relation's forms may sum from 1."""

Path = tuple[str | int, ...]


class StructuralForm(Strict):
    """One form of a relation: its weight, its source or assumption, and its terms."""

    id: Id
    weight: Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
    source: str | None = Field(default=None, min_length=1)
    assumption: str | None = Field(default=None, min_length=3)
    description: Text | None = None
    terms: dict[Id, Positive] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _provenance(self) -> StructuralForm:
        if (self.source is None) == (self.assumption is None):
            raise ValueError(
                "give exactly one of 'source' (a source id) or 'assumption' (a one-line reason) "
                f"for form {self.id!r}"
            )
        return self


class Structure(Strict):
    """A relation with alternative forms (see the module docstring)."""

    id: Id
    description: Text | None = None
    contests: list[Id] | None = None
    forms: Annotated[list[StructuralForm], Field(min_length=1)]


def structure_problems(
    structures: list[Structure], contests: set[str]
) -> Iterator[tuple[Path, str]]:
    """Every problem of a scenario's ``structure`` section, as ``(path, message)``.

    Unknown relations, duplicate relations or forms, unknown forms, weights that do not sum to
    1, unknown contests, and missing or unknown terms of a form.
    """
    known_relations = ", ".join(sorted(STRUCTURAL_RELATIONS))
    seen: set[str] = set()
    for i, item in enumerate(structures):
        if item.id not in STRUCTURAL_RELATIONS:
            yield (
                ("structure", i, "id"),
                (
                    f"unknown relation {item.id!r} (relations with alternative forms: "
                    f"{known_relations})"
                ),
            )
            continue
        if item.id in seen:
            yield ("structure", i, "id"), f"relation {item.id!r} is declared twice"
        seen.add(item.id)
        forms = structural_forms(item.id)
        names: set[str] = set()
        for j, form in enumerate(item.forms):
            if form.id not in forms:
                yield (
                    ("structure", i, "forms", j, "id"),
                    (
                        f"unknown form {form.id!r} of relation {item.id!r} (forms: "
                        f"{', '.join(forms)})"
                    ),
                )
                continue
            if form.id in names:
                yield ("structure", i, "forms", j, "id"), f"form {form.id!r} is declared twice"
            names.add(form.id)
            needed = form_terms(item.id, form.id)
            for term in form.terms:
                if term not in needed:
                    shown = ", ".join(needed) or "none"
                    yield (
                        ("structure", i, "forms", j, "terms", term),
                        (f"form {form.id!r} takes no term {term!r} (its terms: {shown})"),
                    )
            for term in needed:
                if term not in form.terms:
                    yield (
                        ("structure", i, "forms", j, "terms"),
                        (f"form {form.id!r} needs the term {term!r}"),
                    )
        total = math.fsum(form.weight for form in item.forms)
        if abs(total - 1.0) > WEIGHT_TOLERANCE:
            yield (
                ("structure", i, "forms"),
                (f"the weights of the forms of {item.id!r} sum to {total:g}; they must sum to 1"),
            )
        for j, contest in enumerate(item.contests or ()):
            if contest not in contests:
                yield (
                    ("structure", i, "contests", j),
                    (f"unknown contest {contest!r} (contests: {', '.join(sorted(contests))})"),
                )


def _known(item: Structure) -> bool:
    forms = structural_forms(item.id) if item.id in STRUCTURAL_RELATIONS else ()
    return bool(forms) and all(form.id in forms for form in item.forms)


def form_parameter(relation: str) -> str:
    """The catalogue name of a relation's sampled form: ``structure.<relation>.form``."""
    return f"structure.{relation}.form"


def term_parameter(relation: str, form: str, term: str) -> str:
    """The catalogue name of a form's term."""
    return f"structure.{relation}.forms.{form}.terms.{term}"


def structure_quantities(structures: list[Structure]) -> dict[str, Quantity]:
    """The sampled form of every relation with two or more forms of positive weight.

    Each is a ``choice`` over the forms' codes (positions in the registry) with their weights.
    """
    out: dict[str, Quantity] = {}
    for item in structures:
        if not _known(item):
            continue
        weighted = [form for form in item.forms if form.weight > 0]
        if len(weighted) < 2:
            continue
        codes = structural_forms(item.id)
        out[form_parameter(item.id)] = Quantity(
            dist="choice",
            choices=tuple(float(codes.index(form.id)) for form in weighted),
            weights=tuple(form.weight for form in weighted),
            assumption=(
                f"structural uncertainty of the {item.id} relation: the forms "
                + ", ".join(f"{form.id} ({form.weight:g})" for form in weighted)
                + ", each with its own source"
            ),
        )
    return out


@dataclass(frozen=True)
class StructuralChoice:
    """How the engine finds one contest's form of a relation.

    ``fixed`` is the code of the one form declared (None: sampled, read from ``parameter``);
    ``terms`` maps each term to its catalogue name.
    """

    relation: str
    fixed: int | None
    parameter: str | None
    terms: dict[str, str]


def structural_choice(
    structures: list[Structure], relation: str, contest: str
) -> StructuralChoice | None:
    """The declared forms of ``relation`` for ``contest`` (None: not declared for it)."""
    for item in structures:
        if item.id != relation or (item.contests is not None and contest not in item.contests):
            continue
        if not _known(item):
            return None  # refused by structure_problems before any run
        codes = structural_forms(relation)
        weighted = [form for form in item.forms if form.weight > 0]
        terms = {
            term: term_parameter(relation, form.id, term)
            for form in weighted
            for term in form_terms(relation, form.id)
        }
        if len(weighted) == 1:
            return StructuralChoice(relation, codes.index(weighted[0].id), None, terms)
        return StructuralChoice(relation, None, form_parameter(relation), terms)
    return None


class StructureError(ValueError):
    """A ``--structure RELATION=FORM`` setting that names no declared relation or form."""


def parse_structure(settings: Sequence[str] | Mapping[str, str] | None) -> dict[str, str]:
    """``["tripwire=flat"]`` (or a mapping, or one text) as ``{"tripwire": "flat"}``."""
    if settings is None:
        return {}
    if isinstance(settings, Mapping):
        return {str(k): str(v) for k, v in settings.items()}
    out: dict[str, str] = {}
    for text in [settings] if isinstance(settings, str) else settings:
        relation, sep, form = text.partition("=")
        if not sep or not relation.strip() or not form.strip():
            raise StructureError(
                f"expected RELATION=FORM (for example tripwire=flat), got {text!r}"
            )
        out[relation.strip()] = form.strip()
    return out


def fixed_forms(structures: list[Structure], fixed: Mapping[str, str]) -> list[Structure]:
    """The ``structure`` section with each relation in ``fixed`` restricted to one form.

    The form keeps its source and terms and takes weight 1, so the result is what a scenario
    declaring only that form would hold.

    Raises
    ------
    StructureError
        When a relation is not declared by the scenario or the form is not one of its forms.
    """
    declared = {item.id: item for item in structures}
    for relation, form in fixed.items():
        if relation not in declared:
            shown = ", ".join(sorted(declared)) or "none"
            raise StructureError(
                f"the scenario declares no alternative forms for {relation!r} "
                f"(relations it declares: {shown})"
            )
        forms = [f.id for f in declared[relation].forms]
        if form not in forms:
            raise StructureError(
                f"{relation!r} has no form {form!r} in this scenario (forms: {', '.join(forms)})"
            )
    out: list[Structure] = []
    for item in structures:
        if item.id in fixed:
            chosen = next(f for f in item.forms if f.id == fixed[item.id])
            item = item.model_copy(update={"forms": [chosen.model_copy(update={"weight": 1.0})]})
        out.append(item)
    return out
