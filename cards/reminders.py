"""The private reminder a member gets before a step's deadline when they haven't contributed.

No deep link: a link to the channel card needs ids (the team's group id, the message id in the
channel's own format) that Blend may not have, so the card says plainly where to go instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from .base import Json, card, heading, line, user_text, when
from .texts import t


@dataclass(frozen=True)
class ReminderView:
    trajectory_title: str
    step_title: str
    deadline: datetime
    now: datetime
    team_name: str = ""
    channel_name: str = ""


def time_left(left: timedelta) -> str:
    """Rounded for people: minutes under an hour (55 minutes is "about 1 hour": a reminder an hour
    before its deadline goes out a little after that), hours under two days, else days."""
    minutes = max(round(left.total_seconds() / 60), 1)
    if minutes < 55:
        unit, n = "minutes", minutes
    elif minutes < 48 * 60:
        unit, n = "hours", max(round(minutes / 60), 1)
    else:
        unit, n = "days", round(minutes / (24 * 60))
    return t(f"reminder.left.{unit}.{'one' if n == 1 else 'other'}", n=n)


def render_reminder(view: ReminderView) -> Json:
    body = heading(t("reminder.header", step=view.step_title), subtle_line=t("reminder.trajectory",
                                                                              title=view.trajectory_title))
    body.append(line(t("reminder.closes", when=when(view.deadline), left=time_left(view.deadline - view.now))))
    # Team and channel names are typed by people: a TextRun, never markdown.
    if view.team_name and view.channel_name:
        body.append(user_text(t("reminder.instruction", channel=view.channel_name, team=view.team_name)))
    else:
        body.append(user_text(t("reminder.instruction_unnamed")))
    body.append(line(t("reminder.why"), isSubtle=True, size="Small"))
    return card(body)
