"""Prioritisation by voting: members cast one ballot each on options frozen when the step opens.

Four methods: dot voting, ranking (Borda count), scoring (1-5, averaged) and approval. A ballot is
stored as ``{option_id: value}`` whatever the method (dots given, place in the ranking, score, 1
for approved), so the table, the versioning and the tally share one shape. Tallies live in
``vote_tally``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Collection, Mapping, Protocol

from ..errors import InvalidInput, StaleVersion, StepNotOpen
from ..model import Mode, Person, Step, StepState
from ..text import clean_text
from .base import StepKind

if TYPE_CHECKING:
    from .vote_tally import Totals

# Options on one ballot. Every option is a row of inputs on each member's card and Teams caps a
# card's size: with more ideas than this, the first ones added are on the ballot and the card
# says how many were left out (merging similar ideas first keeps them all).
MAX_OPTIONS = 30
MAX_OPTION_LENGTH = 200  # typed options; options from ideas keep the idea's text (500 at most)
MIN_TYPED_OPTIONS = 2
MAX_DOTS = 20
# Ranking: each place is a dropdown listing every option, so k places cost k times the options.
MAX_TOP_K = 5
SCORE_MIN, SCORE_MAX = 1, 5


class Method(StrEnum):
    DOTS = "dots"
    RANK = "rank"
    SCORE = "score"
    APPROVAL = "approval"


DEFAULTS: dict[str, Any] = {
    "method": Method.DOTS.value,
    "dots": 5,
    "cap": None,  # most dots on one option; None: no limit but the budget
    "top_k": 3,
    "source": None,  # the step number (1 = first) of the idea step; None: the nearest earlier one
    "options": [],  # typed options; when given they are the ballot and no idea step is read
    "anonymous": True,
    "hidden_results": True,
}


@dataclass(frozen=True)
class VoteOption:
    """One line on the ballot, frozen when the step opens."""

    step_id: int
    position: int  # 0-based order on the ballot; also the tie-break order in results
    label: str
    idea_id: int | None = None  # where it came from (a record, not a live link)
    id: int | None = None


@dataclass
class Ballot:
    """A member's whole ballot, replaced whole on every change (guarded by ``version``)."""

    step_id: int
    voter: Person
    choices: dict[int, int]  # option id -> dots / place (1 = first) / score / 1 (approved)
    updated_at: datetime
    version: int = 0  # 0 = not stored yet
    id: int | None = None

    @property
    def is_empty(self) -> bool:
        return not self.choices


@dataclass(frozen=True)
class VoteState:
    """What was decided when the step opened, and whether a facilitator revealed the results."""

    step_id: int
    frozen_at: datetime
    offered: int  # candidates there were (more than the options when the ballot was cut)
    revealed_at: datetime | None = None

    @property
    def revealed(self) -> bool:
        return self.revealed_at is not None


@dataclass(frozen=True)
class Rules:
    """The ballot rules of one step with its frozen options (``top_k`` already limited by them)."""

    method: Method
    dots: int = 5
    cap: int | None = None
    top_k: int = 3
    option_ids: frozenset[int] = field(default_factory=frozenset)


class VoteRepository(Protocol):
    """Persistence of vote steps (storage/vote_repository.py)."""

    async def freeze(self, state: VoteState, options: list[VoteOption]) -> bool:
        """Store the step's options once; False (and nothing written) if they were frozen already."""
    async def state(self, step_id: int) -> VoteState | None: ...
    async def options(self, step_id: int) -> list[VoteOption]: ...
    async def reveal(self, step_id: int, now: datetime) -> bool:
        """Mark the results revealed; False if they already were (or the step has no vote state)."""
    async def ballot(self, step_id: int, aad_id: str) -> Ballot | None: ...
    async def ballots(self, step_id: int) -> list[Ballot]: ...
    async def save_ballot(self, ballot: Ballot, expected_version: int) -> None:
        """Insert (expected_version 0) or replace the member's ballot; StaleVersion if it changed since."""
    # Counted by the database, whatever the number of ballots (cards read these, not ``ballots``).
    async def voter_count(self, step_id: int) -> int:
        """Members whose ballot is not empty."""
    async def state_and_voter_count(self, step_id: int) -> tuple[VoteState | None, int]: ...
    async def voter_ids(self, step_id: int) -> set[str]:
        """The aad ids of members whose ballot is not empty."""
    async def voter_names(self, step_id: int) -> list[str]:
        """The names on the ballots that are not empty, sorted."""
    async def totals(self, step_id: int) -> Totals:
        """Ballots per (option, value) and voters: what ``vote_tally.tally_totals`` counts from."""


# ---------------------------------------------------------------- settings


def _int(raw: object, name: str, low: int, high: int) -> int:
    if isinstance(raw, bool):
        raise InvalidInput(field=name, reason="not_a_number")
    try:
        value = int(str(raw).strip()) if isinstance(raw, str) else int(raw)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        raise InvalidInput(field=name, reason="not_a_number") from None
    if not low <= value <= high:
        raise InvalidInput(field=name, reason="out_of_range", low=low, high=high)
    return value


def _optional_int(raw: object, name: str, low: int, high: int) -> int | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    return _int(raw, name, low, high)


_TRUE, _FALSE = ("true", "1", "yes", "on"), ("false", "0", "no", "off")


def _bool(raw: object, name: str) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in _TRUE or text in _FALSE:
        return text in _TRUE
    raise InvalidInput(field=name, reason="not_on_off")


def _typed_options(raw: object) -> list[str]:
    lines = raw.split("\n") if isinstance(raw, str) else raw
    if not isinstance(lines, (list, tuple)):
        raise InvalidInput(field="vote_options", reason="not_text")
    options: list[str] = []
    seen: set[str] = set()
    for line in lines:
        text = clean_text(line, field="vote_option", max_length=MAX_OPTION_LENGTH, required=False)
        if not text:
            continue
        if text.casefold() in seen:
            raise InvalidInput(field="vote_options", reason="duplicate_option", option=text)
        seen.add(text.casefold())
        options.append(text)
    if options and not MIN_TYPED_OPTIONS <= len(options) <= MAX_OPTIONS:
        raise InvalidInput(field="vote_options", reason="count", low=MIN_TYPED_OPTIONS, high=MAX_OPTIONS)
    return options


def normalise_settings(settings: dict[str, Any]) -> dict[str, Any]:
    """Complete and check a vote step's settings (typed on the setup card or stored)."""
    merged = {**DEFAULTS, **settings}
    method = str(merged["method"] or "").strip().lower()
    if method not in Method.__members__.values():
        raise InvalidInput(field="vote_method", reason="unknown_method", method=method[:40])
    dots = _int(merged["dots"], "vote_dots", 1, MAX_DOTS)
    cap = _optional_int(merged["cap"], "vote_cap", 1, dots)
    top_k = _int(merged["top_k"], "vote_top_k", 1, MAX_TOP_K)
    source = _optional_int(merged["source"], "vote_source", 1, 99)
    options = _typed_options(merged["options"] or [])
    if options and source is not None:
        raise InvalidInput(field="vote_options", reason="source_and_options")
    return {
        "method": method,
        "dots": dots,
        "cap": cap,
        "top_k": top_k,
        "source": source,
        "options": options,
        "anonymous": _bool(merged["anonymous"], "vote_anonymous"),
        "hidden_results": _bool(merged["hidden_results"], "vote_hidden_results"),
    }


def source_step(steps: list[Step], step: Step) -> Step | None:
    """The idea step whose ideas become the options: the one ``source`` names, else the nearest
    earlier one. None when typed options are used or nothing fits."""
    settings = normalise_settings(step.settings)
    if settings["options"]:
        return None
    earlier = [s for s in steps if s.position < step.position]
    if settings["source"] is not None:
        named = next((s for s in earlier if s.position == settings["source"] - 1), None)
        return named if named is not None and named.kind == "ideas" else None
    return next((s for s in reversed(earlier) if s.kind == "ideas"), None)


def check_in_trajectory(step: Step, steps: list[Step]) -> None:
    """Setup-time check that the vote will have somewhere to take its options from."""
    settings = normalise_settings(step.settings)
    if settings["options"] or source_step(steps, step) is not None:
        return
    if settings["source"] is not None:
        raise InvalidInput(field="vote_source", reason="not_an_earlier_idea_step",
                           source=settings["source"], step=step.position + 1)
    raise InvalidInput(field="vote_source", reason="no_option_source", step=step.position + 1)


KIND = StepKind(
    name="vote",
    mode=Mode.ASYNC,
    default_title="Prioritise",
    default_prompt="Vote for the options you think matter most. You can change your ballot until the vote closes.",
    normalise_settings=normalise_settings,
    defaults=dict(DEFAULTS),
    check_in_trajectory=check_in_trajectory,
)


def is_anonymous(step: Step) -> bool:
    return bool(normalise_settings(step.settings)["anonymous"])


def rules_for(step: Step, options: list[VoteOption]) -> Rules:
    settings = normalise_settings(step.settings)
    ids = frozenset(o.id for o in options if o.id is not None)
    return Rules(method=Method(settings["method"]), dots=settings["dots"], cap=settings["cap"],
                 top_k=max(1, min(settings["top_k"], len(ids))), option_ids=ids)


# ---------------------------------------------------------------- options


def candidates_from_ideas(ideas: list[Any]) -> list[tuple[str, int | None]]:
    """(label, idea id) for each idea, in the order given (the order they were added)."""
    return [(idea.text, idea.id) for idea in ideas]


def freeze_options(step: Step, candidates: list[tuple[str, int | None]]) -> list[VoteOption]:
    """The ballot: the first MAX_OPTIONS candidates, numbered in order."""
    assert step.id is not None
    return [VoteOption(step_id=step.id, position=i, label=label, idea_id=idea_id)
            for i, (label, idea_id) in enumerate(candidates[:MAX_OPTIONS])]


# ---------------------------------------------------------------- ballots


def _whole(raw: object, name: str) -> int | None:
    """A non-negative whole number from a card input; None when left blank."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, bool):
        raise InvalidInput(field=name, reason="not_whole")
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if isinstance(raw, str):
        text = raw.strip()
        if text.endswith(".0"):
            text = text[:-2]
        if not text.isdigit() or not text.isascii():
            raise InvalidInput(field=name, reason="not_whole")
        return int(text)
    if isinstance(raw, int):
        if raw < 0:
            raise InvalidInput(field=name, reason="not_whole")
        return raw
    raise InvalidInput(field=name, reason="not_whole")


def _known(option_id: object, rules: Rules) -> int:
    if isinstance(option_id, bool):
        raise InvalidInput(field="vote", reason="unknown_option")
    try:
        value = int(option_id)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        raise InvalidInput(field="vote", reason="unknown_option") from None
    if value not in rules.option_ids:
        raise InvalidInput(field="vote", reason="unknown_option")
    return value


def _dots(rules: Rules, raw: Mapping[Any, object]) -> dict[int, int]:
    choices: dict[int, int] = {}
    for key, value in raw.items():
        option = _known(key, rules)
        dots = _whole(value, "vote_dots_given") or 0
        if rules.cap is not None and dots > rules.cap:
            raise InvalidInput(field="vote", reason="over_cap", cap=rules.cap)
        if dots:
            choices[option] = dots
    used = sum(choices.values())
    if used > rules.dots:
        raise InvalidInput(field="vote", reason="over_budget", used=used, limit=rules.dots)
    return choices


def _rank(rules: Rules, raw: Mapping[Any, object]) -> dict[int, int]:
    """``raw`` maps places (1 = first) to option ids; blank places may only come last."""
    chosen: dict[int, int] = {}
    for place_raw, option_raw in raw.items():
        place = _whole(place_raw, "vote_place")
        if place is None or not 1 <= place <= rules.top_k:
            raise InvalidInput(field="vote", reason="rank_too_many", k=rules.top_k)
        if option_raw is None or (isinstance(option_raw, str) and not option_raw.strip()):
            continue
        chosen[place] = _known(option_raw, rules)
    if len(set(chosen.values())) != len(chosen):
        raise InvalidInput(field="vote", reason="rank_repeated")
    if sorted(chosen) != list(range(1, len(chosen) + 1)):
        raise InvalidInput(field="vote", reason="rank_gap")
    return {option: place for place, option in chosen.items()}


def _score(rules: Rules, raw: Mapping[Any, object]) -> dict[int, int]:
    choices: dict[int, int] = {}
    for key, value in raw.items():
        option = _known(key, rules)
        score = _whole(value, "vote_score")
        if score is None:
            continue  # left unscored
        if not SCORE_MIN <= score <= SCORE_MAX:
            raise InvalidInput(field="vote_score", reason="out_of_range", low=SCORE_MIN, high=SCORE_MAX)
        choices[option] = score
    return choices


def _approval(rules: Rules, raw: Mapping[Any, object]) -> dict[int, int]:
    choices: dict[int, int] = {}
    for key, value in raw.items():
        option = _known(key, rules)
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if _bool(value, "vote_approval"):
            choices[option] = 1
    return choices


_READERS = {Method.DOTS: _dots, Method.RANK: _rank, Method.SCORE: _score, Method.APPROVAL: _approval}


def validate_ballot(rules: Rules, raw: Mapping[Any, object]) -> dict[int, int]:
    """Check what a member submitted and return it as ``{option_id: value}``. Pure.

    ``raw`` maps option ids to what was typed (dots, score, approval) or, for ranking, places
    (1 = first) to option ids. Option ids must be on this step's ballot. An empty result is a
    valid ballot: it clears the member's earlier one.
    """
    return _READERS[rules.method](rules, raw)


def require_open(step: Step) -> None:
    if step.state is not StepState.OPEN or step.kind != KIND.name:
        raise StepNotOpen(step_id=step.id)


def require_current(step: Step, current: Ballot | None, version: int) -> None:
    """The card must have shown the member's current ballot (version 0: none yet)."""
    if (current.version if current else 0) != version:
        raise StaleVersion(step_id=step.id)


def cast(step: Step, current: Ballot | None, voter: Person, choices: dict[int, int], version: int,
         now: datetime) -> Ballot | None:
    """The member's new ballot, if the card they used showed their current one (``version``).

    None when there is nothing to store (an empty ballot and no earlier one).
    """
    require_open(step)
    require_current(step, current, version)
    if current is None and not choices:
        return None
    assert step.id is not None
    return Ballot(step_id=step.id, voter=voter, choices=dict(choices), updated_at=now, version=version,
                  id=current.id if current else None)


def results_visible(step: Step, state: VoteState | None) -> bool:
    """Results show once the step closes; before that only if not hidden or revealed."""
    if step.state is StepState.CLOSED:
        return True
    if not normalise_settings(step.settings)["hidden_results"]:
        return True
    return state is not None and state.revealed


def reveal(step: Step, state: VoteState | None) -> bool:
    """Whether revealing changes anything (the caller checked the actor is a facilitator)."""
    require_open(step)
    return state is not None and not state.revealed and not results_visible(step, state)


def voters(ballots: Collection[Ballot]) -> set[str]:
    """Who took part: members whose ballot is not empty."""
    return {b.voter.aad_id for b in ballots if not b.is_empty}
