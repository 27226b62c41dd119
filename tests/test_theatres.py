"""Theatre allocation, reinforcement and escalation (models/theatres.py): known answers."""

import numpy as np
import pytest

from posturelab.models import theatres


def test_drawn_share_adds_the_one_theatre_draw_to_what_flexibility_leaves() -> None:
    extra = np.array([0.2])
    assert theatres.drawn_share(0.5, False, extra)[0] == pytest.approx(0.5)
    assert theatres.drawn_share(0.5, True, extra)[0] == pytest.approx(0.5 + 0.2 * 0.5)
    assert theatres.drawn_share(1.0, True, extra)[0] == pytest.approx(1.0)


def test_drawn_personnel_respects_the_floor() -> None:
    leaving = theatres.drawn_personnel(
        np.array([28_500.0, 28_500.0, 5_000.0]), np.array([0.5, 0.1, 1.0]), np.full(3, 10_000.0)
    )
    assert leaving.tolist() == [14_250.0, 2_850.0, 0.0]


def test_delay_days_known_answer() -> None:
    days = theatres.delay_days(
        np.array([3.0]), np.array([1_200.0]), np.array([400.0]), np.array([2.0]), np.array([0.5])
    )
    assert days[0] == pytest.approx((3 + 3 + 2) * 0.5)


def test_arrival_schedule_conserves_lethality_and_spreads_it_pro_rata() -> None:
    lethality = np.array([[100.0, 50.0]])
    start = np.array([[1.5, 0.0]])
    spread = np.array([[2.0, 1.0]])
    schedule = theatres.arrival_schedule(lethality, start, spread, 10)
    assert schedule.sum() == pytest.approx(150.0)
    np.testing.assert_allclose(schedule[0, :5], [50.0, 25.0, 50.0, 25.0, 0.0])
    cut = theatres.arrival_schedule(lethality, start, spread, 2)
    assert cut.sum() == pytest.approx(50.0 + 25.0)


def test_strike_and_entrapment_probabilities() -> None:
    share = np.array([0.0, 0.5, 1.0])
    np.testing.assert_allclose(
        theatres.strike_probability(np.full(3, 0.1), np.full(3, 1.2), share), [0.1, 0.7, 1.0]
    )
    struck = np.array([False, True])
    under = theatres.entrapment_probability(
        np.full(2, 0.2), np.full(2, 0.5), False, np.full(2, 0.3), struck
    )
    host = theatres.entrapment_probability(
        np.full(2, 0.2), np.full(2, 0.5), True, np.full(2, 0.3), struck
    )
    np.testing.assert_allclose(under, [0.2, 0.5])
    np.testing.assert_allclose(host, [0.1, 0.4])
    assert np.all(host <= under)
