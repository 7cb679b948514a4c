"""The cards Blend posts after filing: the step's file (or the final report) with a button to open it
in Office, and — for the facilitators — what went wrong when it could not be filed.

File names come from titles people typed: they go into TextRuns and button titles, never markdown."""

from __future__ import annotations

from dataclasses import dataclass

from trajectory.files import FilingFailure

from .base import Json, card, heading, line, notice, user_text
from .texts import t


@dataclass(frozen=True)
class FiledLink:
    name: str
    web_url: str | None = None  # SharePoint's webUrl; None when the file went to the local outbox


@dataclass(frozen=True)
class FilesView:
    trajectory_title: str
    step_title: str | None  # None for the final report
    files: tuple[FiledLink, ...]


def _links(files: tuple[FiledLink, ...]) -> tuple[list[Json], list[Json]]:
    body: list[Json] = []
    actions: list[Json] = []
    for f in files:
        if f.web_url:
            actions.append({"type": "Action.OpenUrl", "title": t("files.open", name=f.name), "url": f.web_url})
        else:
            body.append(user_text(t("files.local", name=f.name)))
    return body, actions


def render_filed_card(view: FilesView) -> Json:
    """A step's results, filed: posted in the step's thread."""
    body = heading(t("files.header"), subtle_line=t("files.trajectory", title=view.trajectory_title))
    body.append(user_text(t("files.step", step=view.step_title or "")))
    links, actions = _links(view.files)
    return card(body + links, actions)


def render_report_ready_card(view: FilesView) -> Json:
    """The trajectory closed and its final report is filed: a new post in the channel."""
    body = heading(t("files.report.header"), subtle_line=t("files.trajectory", title=view.trajectory_title))
    body.append(line(t("files.report.body")))
    links, actions = _links(view.files)
    return card(body + links, actions)


def failure_text(failure: FilingFailure) -> str:
    return t(f"files.failed.{failure.value}")


def render_filing_failed_card(trajectory_title: str, what: str, failure: FilingFailure) -> Json:
    """For the facilitators: the file ``what`` could not be filed, why, and that nothing is lost."""
    body = heading(t("files.failed.header"), subtle_line=t("files.trajectory", title=trajectory_title))
    body.append(user_text(t("files.failed.what", name=what)))
    body.append(notice(failure_text(failure), attention=True))
    body.append(line(t("files.failed.nothing_lost"), isSubtle=True))
    return card(body)
