"""One domain per ADM parameter: the scenario schema and the ``campaign`` command agree on it."""

from __future__ import annotations

import math

import pytest
from pydantic import ValidationError

from posturelab.data.campaign_params import campaign_params_from_mapping
from posturelab.errors import InputError
from posturelab.models.adm_domain import ADM_DOMAINS, Domain
from posturelab.models.campaign import SCALAR_FIELDS, ADMParams
from posturelab.scenario.schema import CampaignTerms

# The campaign terms that are fields of the ADM itself; the others (warning, air, gas, ...) are
# scenario terms the engine turns into daily schedules (docs/models/campaign.md).
TERMS = [name for name in CampaignTerms.model_fields if name in SCALAR_FIELDS]


def _valid_terms() -> dict[str, object]:
    terms: dict[str, object] = {"days": 30}
    for name in TERMS:
        terms[name] = {"value": float(getattr(ADMParams(), name)), "source": "s"}
    return terms


def _probe_values(domain: Domain) -> list[float]:
    values = [domain.low, domain.low - 1e-6, domain.low + 1e-6]
    if math.isfinite(domain.high):
        values += [domain.high, domain.high - 1e-6, domain.high + 1e-6]
    else:
        values.append(1e6)
    return values


def _schema_accepts(name: str, value: float) -> bool:
    terms = _valid_terms()
    terms[name] = {"value": value, "source": "s"}
    try:
        CampaignTerms.model_validate(terms)
    except ValidationError:
        return False
    return True


def _cli_accepts(name: str, value: float) -> bool:
    try:
        campaign_params_from_mapping({name: value}, "<test>")
    except InputError:
        return False
    return True


def test_every_scalar_field_has_a_domain() -> None:
    assert set(ADM_DOMAINS) == set(SCALAR_FIELDS)
    assert ADMParams.DOMAINS is ADM_DOMAINS
    assert set(TERMS) <= set(ADM_DOMAINS)


@pytest.mark.parametrize("name", TERMS)
def test_schema_and_cli_accept_the_same_values(name: str) -> None:
    domain = ADM_DOMAINS[name]
    for value in _probe_values(domain):
        expected = domain.contains(value)
        assert _schema_accepts(name, value) is expected, (name, value)
        assert _cli_accepts(name, value) is expected, (name, value)


def test_w_max_zero_is_refused_everywhere() -> None:
    assert not _schema_accepts("W_max", 0.0)
    assert not _cli_accepts("W_max", 0.0)
    with pytest.raises(InputError, match=r"W_max.*> 0|must be > 0"):
        campaign_params_from_mapping({"W_max": 0.0}, "<test>")


def test_a_distribution_must_stay_inside_the_domain() -> None:
    terms = _valid_terms()
    terms["breakpoint_A"] = {"dist": "uniform", "low": 0.5, "high": 1.0, "assumption": "a test"}
    with pytest.raises(ValidationError, match=r"in \[0, 1\)"):
        CampaignTerms.model_validate(terms)


def test_domain_describe() -> None:
    assert ADM_DOMAINS["W_max"].describe() == "> 0"
    assert ADM_DOMAINS["alpha0"].describe() == "in [0, 1]"
    assert ADM_DOMAINS["alpha_aT"].describe() == "in (0, 1]"
    assert not ADM_DOMAINS["A0"].contains(math.nan)
