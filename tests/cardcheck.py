"""Offline check that a card dict is an Adaptive Card 1.5 that Teams will render.

The vendored schema (tests/cards/schema/) is strict: unknown element types and unknown
properties fail. What Teams renders but the schema file lacks is allowed explicitly: chart
elements are checked here and swapped for a neutral TextBlock; the top-level `msteams` property is
set aside; Input.ChoiceSet's typeahead (`style: "filtered"`, new in 1.5 but missing from the
published 1.5.0 file, and `choices.data`) is checked here and normalised.
"""

from __future__ import annotations

import copy
import functools
import json
from pathlib import Path
from typing import Any, Iterator

from jsonschema.validators import validator_for

SCHEMA_PATH = Path(__file__).parent / "cards" / "schema" / "adaptive-card-1.5.0.json"
CARD_VERSION = "1.5"
MAX_CARD_BYTES = 28 * 1024  # Teams card payload guidance
MAX_REFRESH_USER_IDS = 60  # Teams: automatic refresh for at most 60 users
CHART_TYPES = frozenset({
    "Chart.VerticalBar", "Chart.VerticalBar.Grouped", "Chart.HorizontalBar",
    "Chart.HorizontalBar.Stacked", "Chart.Pie", "Chart.Donut", "Chart.Line", "Chart.Gauge",
})
_PLACEHOLDER = {"type": "TextBlock", "text": "(chart)"}


@functools.cache
def _validator():
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    cls = validator_for(schema)  # the file says draft-06
    cls.check_schema(schema)
    return cls(schema)


def _where(path) -> str:
    return "/".join(str(p) for p in path) or "(card)"


def _short(value: Any, limit: int = 80) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _check_chart(chart: dict, path: list) -> Iterator[str]:
    # Teams documents `data` (array) as required for every chart but the gauge, which shows a value.
    if chart["type"] == "Chart.Gauge":
        if not isinstance(chart.get("value"), (int, float)):
            yield f"{_where(path)}: Chart.Gauge needs a numeric 'value'"
    elif not isinstance(chart.get("data"), list):
        yield f"{_where(path)}: {chart['type']} needs a 'data' array"


def _typeahead(choice_set: dict, path: list, problems: list[str]) -> dict:
    choice_set = dict(choice_set)
    if choice_set.get("style") == "filtered":
        choice_set["style"] = "compact"  # a compact dropdown with search
    query = choice_set.pop("choices.data", None)
    is_query = isinstance(query, dict) and query.get("type") == "Data.Query"
    if query is not None and not (is_query and isinstance(query.get("dataset"), str)):
        problems.append(f"{_where(path)}/choices.data: expected a Data.Query with a 'dataset'")
    return choice_set


def _teams_additions(node: Any, path: list, problems: list[str]) -> Any:
    """Check the Teams-only parts and replace them by something the 1.5 schema accepts."""
    if isinstance(node, list):
        return [_teams_additions(item, path + [i], problems) for i, item in enumerate(node)]
    if not isinstance(node, dict):
        return node
    if node.get("type") in CHART_TYPES:
        problems.extend(_check_chart(node, path))
        return dict(_PLACEHOLDER)
    if node.get("type") == "Input.ChoiceSet":
        node = _typeahead(node, path, problems)
    # Action `data` is free-form payload, not card elements.
    return {k: v if k == "data" else _teams_additions(v, path + [k], problems) for k, v in node.items()}


def _branch_type_mismatch(errors) -> bool:
    return any(e.validator == "enum" and list(e.relative_path) == ["type"] for e in errors)


def _describe(error) -> Iterator[str]:
    """Turn anyOf noise ("not valid under any of the given schemas") into the useful part."""
    if error.validator == "anyOf" and error.context and isinstance(error.instance, dict):
        branches: dict[int, list] = {}
        for sub in error.context:
            branches.setdefault(sub.schema_path[0], []).append(sub)
        matching = [errs for errs in branches.values() if not _branch_type_mismatch(errs)]
        if "type" in error.instance and not matching:
            yield f"{_where(error.absolute_path)}: unknown type {_short(error.instance['type'])}"
            return
        if len(matching) == 1:
            for sub in matching[0]:
                yield from _describe(sub)
            return
    message = error.message if len(error.message) <= 300 else error.message[:297] + "..."
    yield f"{_where(error.absolute_path)}: {message}"


def card_errors(card: Any) -> list[str]:
    """Every problem found, as 'path: message' lines; empty when the card is fine."""
    if not isinstance(card, dict):
        return [f"(card): expected a JSON object, got {type(card).__name__}"]
    problems: list[str] = []
    size = len(json.dumps(card).encode("utf-8"))  # json.dumps defaults, as botbuilder sends it
    if size > MAX_CARD_BYTES:
        problems.append(f"(card): {size} bytes, over the {MAX_CARD_BYTES}-byte limit")
    if card.get("version") != CARD_VERSION:
        problems.append(f"version: expected {CARD_VERSION!r}, got {_short(card.get('version'))}")
    user_ids = (card.get("refresh") or {}).get("userIds") if isinstance(card.get("refresh"), dict) else None
    if isinstance(user_ids, list) and len(user_ids) > MAX_REFRESH_USER_IDS:
        problems.append(f"refresh/userIds: {len(user_ids)} ids, Teams allows {MAX_REFRESH_USER_IDS}")

    card = copy.deepcopy(card)
    teams = card.pop("msteams", None)  # Teams extension: {"width": "Full"}, mention entities
    if teams is not None and not isinstance(teams, dict):
        problems.append("msteams: expected an object")
    card = _teams_additions(card, [], problems)
    for error in sorted(_validator().iter_errors(card), key=lambda e: list(map(str, e.absolute_path))):
        problems.extend(_describe(error))
    return problems


def assert_valid_card(card: dict) -> None:
    problems = card_errors(card)
    assert not problems, "invalid Adaptive Card:\n  " + "\n  ".join(problems)
