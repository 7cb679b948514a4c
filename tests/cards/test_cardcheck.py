"""tests/cardcheck.py: what the vendored 1.5 schema rejects, and the Teams additions it allows."""

from __future__ import annotations

import pytest
from jsonschema import Draft6Validator

from tests.cardcheck import (
    CHART_TYPES,
    MAX_CARD_BYTES,
    _validator,
    assert_valid_card,
    card_errors,
)


def card(*body, **fields) -> dict:
    return {"type": "AdaptiveCard", "version": "1.5", "body": list(body), **fields}


TEXT = {"type": "TextBlock", "text": "Hello", "wrap": True}
EXECUTE = {"type": "Action.Execute", "title": "Vote", "verb": "ideas.vote", "data": {"id": 7, "v": 3}}


def test_schema_is_draft_06():
    assert isinstance(_validator(), Draft6Validator)


def test_minimal_card_passes():
    assert_valid_card(card(TEXT))


def test_universal_action_with_refresh_passes():
    assert_valid_card(
        card(
            TEXT,
            actions=[EXECUTE],
            refresh={"action": {"type": "Action.Execute", "verb": "refresh"}, "userIds": ["29:a", "29:b"]},
        )
    )


def test_misspelt_element_type_fails_with_its_path():
    with pytest.raises(AssertionError) as failure:
        assert_valid_card(card(TEXT, {"type": "TextBlok", "text": "x"}))
    assert 'body/1: unknown type "TextBlok"' in str(failure.value)


def test_schema_is_strict_about_unknown_properties():
    assert card_errors(card({**TEXT, "colour": "good"})) == [
        "body/0: Additional properties are not allowed ('colour' was unexpected)"
    ]


def test_nested_errors_are_all_listed():
    nested = {"type": "Container", "items": [TEXT, {"type": "TextBlock"}, {"type": "Imag", "url": "x"}]}
    errors = card_errors(card(nested, actions=[{**EXECUTE, "verbb": "x"}]))
    assert "body/0/items/1: 'text' is a required property" in errors
    assert 'body/0/items/2: unknown type "Imag"' in errors
    assert any(e.startswith("actions/0: Additional properties") for e in errors)


@pytest.mark.parametrize("version", [None, "1.6", "1.4", 1.5])
def test_version_must_be_1_5(version):
    bad = card(TEXT, version=version)
    if version is None:
        del bad["version"]
    assert any(e.startswith("version: expected '1.5'") for e in card_errors(bad))


def test_nested_show_card_needs_no_version():
    show = {"type": "Action.ShowCard", "title": "More", "card": {"type": "AdaptiveCard", "body": [TEXT]}}
    assert_valid_card(card(TEXT, actions=[show]))


def test_card_over_28_kb_fails():
    big = card(*[{**TEXT, "text": "x" * 1000}] * 29)
    assert any(f"over the {MAX_CARD_BYTES}-byte limit" in e for e in card_errors(big))
    assert_valid_card(card(*[{**TEXT, "text": "x" * 1000}] * 26))


def test_more_than_60_refresh_user_ids_fails():
    refresh = {"action": {"type": "Action.Execute", "verb": "r"}, "userIds": [f"29:{i}" for i in range(61)]}
    assert card_errors(card(TEXT, refresh=refresh)) == ["refresh/userIds: 61 ids, Teams allows 60"]


@pytest.mark.parametrize("chart_type", sorted(CHART_TYPES - {"Chart.Gauge"}))
def test_teams_charts_pass_anywhere(chart_type):
    chart = {"type": chart_type, "title": "Votes", "data": [{"x": "A", "y": 3}]}
    assert_valid_card(card(chart, {"type": "Container", "items": [TEXT, chart]}))


def test_gauge_passes_with_a_value():
    assert_valid_card(card({"type": "Chart.Gauge", "value": 40, "min": 0, "max": 100}))


def test_chart_without_data_and_unknown_chart_fail():
    charts = [{"type": "Chart.Pie"}, {"type": "Chart.Gauge"}, {"type": "Chart.Radar", "data": []}]
    errors = card_errors(card(*charts))
    assert errors == [
        "body/0: Chart.Pie needs a 'data' array",
        "body/1: Chart.Gauge needs a numeric 'value'",
        'body/2: unknown type "Chart.Radar"',
    ]


def test_teams_msteams_property_and_typeahead_pass():
    choice = {"type": "Input.ChoiceSet", "id": "who", "style": "filtered",
              "choices": [{"title": "Ada", "value": "1"}]}
    dynamic = {"type": "Input.ChoiceSet", "id": "q", "style": "filtered", "choices": [],
               "choices.data": {"type": "Data.Query", "dataset": "people"}}
    assert_valid_card(card(TEXT, choice, dynamic, msteams={"width": "Full"}))


def test_not_a_dict_fails():
    assert card_errors([TEXT]) == ["(card): expected a JSON object, got list"]
