"""Refusals the domain can give. Each carries a stable ``code`` and parameters; the words a
person reads are chosen by the presentation layer (cards/texts.py), not here."""

from __future__ import annotations


class DomainError(Exception):
    code = "error"

    def __init__(self, **params: object) -> None:
        super().__init__(self.code, params)
        self.params = params


class NotFacilitator(DomainError):
    code = "not_facilitator"


class NoActiveTrajectory(DomainError):
    code = "no_active_trajectory"


class TrajectoryExists(DomainError):
    code = "trajectory_exists"


class InvalidTransition(DomainError):
    code = "invalid_transition"


class StepNotOpen(DomainError):
    code = "step_not_open"


class NotFound(DomainError):
    code = "not_found"


class StaleVersion(DomainError):
    code = "stale_version"


class InvalidInput(DomainError):
    """Text or settings a person typed that break a rule (empty, too long, out of range)."""

    code = "invalid_input"


class LimitReached(DomainError):
    code = "limit_reached"


class NotAuthor(DomainError):
    code = "not_author"


# --- clarifications and merges of ideas (trajectory/kinds/clarifications.py, kinds/ideas.py)
class NotIdeaAuthor(NotAuthor):
    code = "clarify_not_author"


class OwnIdea(DomainError):
    code = "clarify_own_idea"


class IdeaGone(DomainError):
    """The idea was withdrawn: it takes no more questions or answers."""

    code = "clarify_idea_gone"


class ClarificationLimit(LimitReached):
    code = "clarify_limit"


class IdeaMerged(DomainError):
    code = "idea_merged"


class MergeIntoItself(DomainError):
    code = "merge_self"


class MergeTargetUnavailable(DomainError):
    code = "merge_unavailable"


class MergeTooLate(DomainError):
    code = "merge_too_late"
# --- end of clarifications and merges


# --- reliability and security (issue 8)
class ForeignObject(DomainError):
    """Card data names an object of another channel or team than the one clicked in."""

    code = "foreign_object"


class StepFull(LimitReached):
    """The step holds as many ideas as it may (a bound on card sizes and storage)."""

    code = "step_full"
# --- end of reliability and security


class UnknownIdentity(DomainError):
    code = "unknown_identity"


# --- meetings and workshops (trajectory/kinds/meeting.py)
class MeetingAlreadyScheduled(DomainError):
    code = "meeting_already_scheduled"


class MeetingNotScheduled(DomainError):
    code = "meeting_not_scheduled"
