"""Attribution settings: the model revenue follows, the custom weights, the influence model and
the attribution object's names, each checked when a function starts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from fractions import Fraction

import pytest

from tests.unit.test_settings_field_names import ENVIRONMENT, with_names
from touchpoints.rules.attribution import Position
from touchpoints.rules.attribution_opportunity import FULL_PATH_MODEL, AttributionModel
from touchpoints.services.attribution import AttributionConfig
from touchpoints.settings import AttributionFields, SettingsError, load_settings


def test_nothing_configured_means_full_path_revenue_full_path_weights_and_no_influence():
    settings = load_settings(ENVIRONMENT)
    assert settings.attribution_model is AttributionModel.FULL_PATH
    assert settings.custom_model == FULL_PATH_MODEL
    assert settings.campaign_influence_model is None
    assert settings.attribution_fields == AttributionFields()


def test_configured_attribution_settings_are_read():
    settings = load_settings(
        {
            **ENVIRONMENT,
            "ATTRIBUTION_MODEL": "W-Shaped",
            "ATTRIBUTION_CUSTOM_WEIGHTS": json.dumps({"FT": 40, "OC": 20, "Closed": 40}),
            "CAMPAIGN_INFLUENCE_MODEL": "Offline_Event_Dated",
        }
    )
    assert settings.attribution_model is AttributionModel.W_SHAPED
    assert settings.custom_model.positions[Position.FIRST_TOUCH] == Fraction(40)
    assert settings.custom_model.positions[Position.LEAD_CREATION] == 0
    assert settings.campaign_influence_model == "Offline_Event_Dated"


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"ATTRIBUTION_MODEL": "Time Decay"}, "ATTRIBUTION_MODEL must be one of"),
        ({"ATTRIBUTION_CUSTOM_WEIGHTS": '{"FT": 50}'}, "must sum to 100"),
        ({"ATTRIBUTION_CUSTOM_WEIGHTS": "[40, 60]"}, "must be a JSON object"),
        ({"ATTRIBUTION_CUSTOM_WEIGHTS": '{"FT": '}, "is not valid JSON"),
        ({"ATTRIBUTION_CUSTOM_WEIGHTS": '{"First": 100}'}, "unknown custom model entries"),
    ],
)
def test_a_model_or_weights_that_make_no_sense_stop_the_attribution_run(variables, message):
    """Checked where attribution reads them (wiring builds its run from both); the functions that
    never attribute start without loading the attribution rules."""
    settings = load_settings({**ENVIRONMENT, **variables})
    with pytest.raises(SettingsError, match=message):
        AttributionConfig(settings.attribution_model, settings.custom_model)


def test_an_influence_model_that_is_no_api_name_stops_the_function():
    with pytest.raises(SettingsError, match="must be a model's API name"):
        load_settings({**ENVIRONMENT, "CAMPAIGN_INFLUENCE_MODEL": "Event Dated"})


def test_the_attribution_objects_names_are_configurable_like_the_touchpoints():
    settings = load_settings(with_names({"attribution": {"revenue": "Attributed_Revenue__c"}}))
    assert settings.attribution_fields.revenue == "Attributed_Revenue__c"
    assert settings.attribution_fields.key == AttributionFields().key


@pytest.mark.parametrize(
    ("names", "message"),
    [
        (
            {"attribution": {"sobject": "Opportunity"}},
            "attribution.sobject must be a custom object",
        ),
        (
            {"attribution": {"linear_percent": "Share__c", "custom_percent": "Share__c"}},
            "attribution.custom_percent and attribution.linear_percent name the same field",
        ),
        ({"attribution": {"weights": "W__c"}}, "attribution.weights is not a configurable name"),
    ],
)
def test_attribution_names_that_cannot_work_are_refused(names, message):
    with pytest.raises(SettingsError, match=message):
        load_settings(with_names(names))


def test_settings_load_without_the_attribution_rules():
    """Every function loads the settings at its cold start; only the attribution function reads
    the model and weights, so only it creates the attribution rules' classes (and `fractions`)."""
    probe = (
        "import sys\n"
        "from touchpoints.settings import load_settings\n"
        f"load_settings({ENVIRONMENT!r})\n"
        "print(sorted(m for m in sys.modules if m == 'fractions' or 'attribution' in m))"
    )
    layer_first = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    result = subprocess.run(
        [sys.executable, "-c", probe], env=layer_first, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
