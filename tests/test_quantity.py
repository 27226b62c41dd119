import math

import numpy as np
import pytest
from pydantic import ValidationError
from scipy import stats

from posturelab.engine.sampling import ppf
from posturelab.scenario.quantity import Quantity, support

U = np.linspace(0.001, 0.999, 999)


def q(**kw):
    return Quantity.model_validate(kw)


def test_bare_number_is_refused_with_a_hint():
    with pytest.raises(ValidationError, match="needs its provenance"):
        Quantity.model_validate(28500)


def test_value_needs_source_or_assumption_but_not_both():
    with pytest.raises(ValidationError, match="exactly one of 'source'"):
        q(value=1.0)
    with pytest.raises(ValidationError, match="exactly one of 'source'"):
        q(value=1.0, source="s", assumption="because")


def test_assumption_needs_a_range():
    with pytest.raises(ValidationError, match="must carry an uncertainty range"):
        q(value=0.5, assumption="a guess")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"dist": "uniform", "low": 2, "high": 1}, "low < high"),
        ({"dist": "triangular", "low": 0, "mode": 3, "high": 2}, "low <= mode <= high"),
        ({"dist": "pert", "low": 0, "mode": 1}, r"needs \['high'\]"),
        ({"dist": "lognormal", "median": -1, "sigma": 1}, "median > 0"),
        ({"dist": "truncnormal", "mean": 0, "sd": 0}, "sd > 0"),
        ({"dist": "choice", "choices": [1, 2], "weights": [1]}, "2 choices but 1 weights"),
        ({"dist": "uniform", "low": 0, "high": 1, "mode": 0.5}, "does not take"),
    ],
)
def test_distribution_rules(fields, message):
    with pytest.raises(ValidationError, match=message):
        q(**fields, assumption="test")


def test_ppf_matches_scipy():
    # Tolerance 1e-9: these are the same closed forms, so only rounding differs.
    tri = q(dist="triangular", low=1, mode=2, high=5, assumption="test")
    expected = stats.triang.ppf(U, c=0.25, loc=1, scale=4)
    np.testing.assert_allclose(ppf(tri, U), expected, rtol=1e-9)
    pert = q(dist="pert", low=0, mode=1, high=4, assumption="test")
    expected = stats.beta.ppf(U, 2.0, 4.0, loc=0, scale=4)
    np.testing.assert_allclose(ppf(pert, U), expected, rtol=1e-9)
    tn = q(dist="truncnormal", mean=1, sd=2, low=0, assumption="test")
    expected = stats.truncnorm.ppf(U, -0.5, np.inf, loc=1, scale=2)
    np.testing.assert_allclose(ppf(tn, U), expected, rtol=1e-9)
    ln = q(dist="lognormal", median=3, sigma=0.5, assumption="test")
    expected = stats.lognorm.ppf(U, 0.5, scale=3)
    np.testing.assert_allclose(ppf(ln, U), expected, rtol=1e-9)


def test_choice_follows_weights():
    c = q(dist="choice", choices=[10, 20, 30], weights=[1, 2, 1], assumption="test")
    values = ppf(c, U)
    shares = [np.mean(values == v) for v in (10, 20, 30)]
    np.testing.assert_allclose(shares, [0.25, 0.5, 0.25], atol=0.003)


def test_support_and_nominal():
    assert support(q(dist="lognormal", median=1, sigma=1, assumption="test")) == (0.0, math.inf)
    assert q(value=4, source="s").nominal == 4
    assert q(dist="uniform", low=1, high=3, assumption="test").nominal == 2
