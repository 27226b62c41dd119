"""Scored forces of an ensemble: ground lethality, effective aircraft and personnel per force.

Turns the sampled parameters of a chunk into arrays of shape (members, forces) with the scoring of
:mod:`posturelab.models.scoring` (DESIGN section 4). The engine scales them by each force's
strength factor (current over initial personnel) as forces move.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from posturelab.engine.frame import Frame
from posturelab.models import scoring

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class ForceScores:
    """Initial scores of every force, each of shape (members, F).

    Attributes
    ----------
    ground
        Ground lethality in tank equivalents, including the forward-deployed share.
    ground_full
        Ground lethality of the whole force (forward share ignored): what a force-based
        reinforcement draws a share from.
    aircraft
        Effective combat aircraft: count times quality, readiness and forward share.
    air_weight
        The scoring weight of one aircraft in tank equivalents, shape (members,).
    personnel
        Initial personnel (0 where a force gives none).
    armour
        The part of ``ground`` scored from the armour classes of ``scoring.anti_armour``.
    armour_count
        Effective armour: the count of the armour classes times quality, readiness and forward
        share (the tanks an opponent must answer).
    answer
        Effective anti-armour weapons: the force's declared ``anti_armour`` (else its armour
        count) times quality, readiness and forward share. All three are 0 without the section.
    """

    ground: FloatArray
    ground_full: FloatArray
    aircraft: FloatArray
    air_weight: FloatArray
    personnel: FloatArray
    armour: FloatArray
    armour_count: FloatArray
    answer: FloatArray

    def total(self, strength: FloatArray) -> FloatArray:
        """Combined ground and air score of every force at the given strength factors."""
        return (self.ground + self.aircraft * self.air_weight[:, None]) * strength


def score_forces(frame: Frame, p: Mapping[str, FloatArray], n: int) -> ForceScores:
    """Score every force of the scenario for ``n`` members with sampled parameters ``p``."""
    count = len(frame.forces.ids)
    ground = np.zeros((n, count))
    ground_full = np.zeros((n, count))
    aircraft = np.zeros((n, count))
    personnel = np.zeros((n, count))
    armour = np.zeros((n, count))
    armour_count = np.zeros((n, count))
    answer = np.zeros((n, count))
    one = np.ones(n)
    for f, force_id in enumerate(frame.forces.ids):
        prefix = f"forces.{force_id}"
        quality = p.get(f"{prefix}.quality", one)
        readiness = p.get(f"{prefix}.readiness", one)
        forward = p.get(f"{prefix}.forward_share", one)
        classes = frame.forces.equipment.get(force_id, ())
        if classes:
            counts = np.stack([p[f"{prefix}.equipment.{c}"] for c in classes], axis=1)
            weights = np.stack([p[f"scoring.weights.{c}"] for c in classes], axis=1)
            ground_full[:, f] = scoring.ground_score(counts, weights, quality, readiness, one)
            if "scoring.infantry_weight" in p and f"{prefix}.personnel" in p:
                # Its soldiers count as infantry (no vintage discount: a weapon's index carries
                # its quality, and small arms differ little), times readiness.
                infantry = p[f"{prefix}.personnel"] * p["scoring.infantry_weight"]
                ground_full[:, f] += infantry * readiness
        elif f"{prefix}.lethality" in p:
            ground_full[:, f] = p[f"{prefix}.lethality"] * quality * readiness
        ground[:, f] = ground_full[:, f] * forward
        if f"{prefix}.aircraft" in p:
            aircraft[:, f] = p[f"{prefix}.aircraft"] * quality * readiness * forward
        if f"{prefix}.personnel" in p:
            personnel[:, f] = p[f"{prefix}.personnel"]
        if frame.forces.armour:
            # Armour and the answer to it, counted with the same quality, readiness and forward
            # share as the score (models/scoring.armour_factor).
            effective = quality * readiness * forward
            tanks = [c for c in frame.forces.armour if c in classes]
            n_armour = sum((p[f"{prefix}.equipment.{c}"] for c in tanks), np.zeros(n))
            armour_count[:, f] = n_armour * effective
            armour[:, f] = effective * sum(
                (p[f"{prefix}.equipment.{c}"] * p[f"scoring.weights.{c}"] for c in tanks),
                np.zeros(n),
            )
            answer[:, f] = p.get(f"{prefix}.anti_armour", n_armour) * effective
    return ForceScores(
        ground,
        ground_full,
        aircraft,
        p["scoring.aircraft_weight"],
        personnel,
        armour,
        armour_count,
        answer,
    )
