"""The registry of the monthly step's components, in the order they step each month.

This literal tuple is the one list the engine reads (DESIGN section 3 and
``docs/architecture.md``): compilation asks each component for its spec, the event slots are laid
out from their declared counts (:func:`posturelab.engine.component.allocate_slots`), and each month
every active component steps, then every one records. Nothing registers itself at import time.

1. ``posture``: dated events and levers that move personnel (:mod:`posturelab.engine.posture`);
2. ``arms``: Richardson spending, spending path, modernisation, warheads and the deal
   (:mod:`posturelab.engine.arms_race`);
3. ``capability``: procurement from lagged spending, modernisation and exercise readiness as
   multipliers on forces' strength (:mod:`posturelab.engine.capability`);
4. ``alignment``: landscape-theory alignment and the cohesion of tracked blocs
   (:mod:`posturelab.engine.blocs`);
5. ``contests``: allocation, attack decisions, wars and campaigns, strikes and entrapment, in the
   patrons' priority order (:mod:`posturelab.engine.contests`);
6. ``artillery``: the bombardment of a city when a contest's war starts
   (:mod:`posturelab.engine.artillery`).
"""

from __future__ import annotations

from typing import Any

from posturelab.engine.arms_race import ArmsComponent
from posturelab.engine.artillery import ArtilleryComponent
from posturelab.engine.blocs import AlignmentComponent
from posturelab.engine.capability import CapabilityComponent
from posturelab.engine.component import Component
from posturelab.engine.contests import ContestsComponent
from posturelab.engine.posture import PostureComponent

COMPONENTS: tuple[Component[Any, Any], ...] = (
    PostureComponent(),
    ArmsComponent(),
    CapabilityComponent(),
    AlignmentComponent(),
    ContestsComponent(),
    ArtilleryComponent(),
)
