"""Every sentence Blend says, keyed by message id. One catalog so translation (nl) can replace
it without touching the cards or dialogs."""

from __future__ import annotations

from typing import Any

EN: dict[str, str] = {
    # Commands and help
    "help.title": "Blend helps you run a trajectory of async steps and live moments in this channel.",
    "help.facilitators": "For facilitators (mention me in the channel):",
    "help.members": "Everyone answers the cards I post in the channel.",
    "help.personal": "Add me to a team and mention me in a channel to run a trajectory there.",
    "help.unknown": "I didn't understand \u201c{command}\u201d. Here is what I can do:",
    "cmd.help": "show this help",
    "cmd.new": "create a trajectory and open its setup card",
    "cmd.start": "start the trajectory: opens the first step",
    "cmd.next": "close the current step and open the next one",
    "cmd.status": "where the trajectory stands",
    "cmd.close": "finish the trajectory now (the open step is summarised)",
    "cmd.cancel": "abandon the trajectory (nothing is summarised)",
    "channel_only": "That works in a team channel: mention me there.",
    "new.needs_title": "Give the trajectory a title, e.g. \u201cnew Team offsite 2027\u201d.",
    # Setup
    "setup.header": "Set up \u201c{title}\u201d",
    "setup.hint": "Edit the question and the steps, then save or start. Only facilitators can change this.",
    "setup.title": "Title",
    "setup.question": "Question for the team",
    "setup.step": "Step {n} \u00b7 {kind}",
    "setup.step_title": "Step title",
    "setup.step_prompt": "Instructions for the team",
    "setup.max_per_person": "Ideas per person",
    "setup.deadline_date": "Deadline (date, optional)",
    "setup.deadline_time": "Deadline (time)",
    "setup.co_facilitators": "Co-facilitators",
    "setup.auto_advance": "Open the next step automatically when a deadline passes",
    "setup.reminder_hours": "Remind those who haven't contributed, hours before a deadline (e.g. 24, 2)",
    "setup.new_step_kind": "Kind of step to add",
    "setup.time_zone": "Times are in {zone}.",
    "setup.template": "Or start over from a template (replaces the question and the steps)",
    "setup.use_template": "Use template",
    "setup.template_applied": "The template was applied. Check the steps, then save or start.",
    "setup.save": "Save",
    "setup.add_step": "Add a step",
    "setup.remove_step": "Remove last step",
    "setup.start": "Save and start",
    "setup.saved": "Saved.",
    "setup.locked": "This trajectory has started; its setup can no longer change.",
    "kind.ideas": "Collect ideas (async)",
    # Transitions
    "started": "\u201c{title}\u201d has started. The first step is open: {step}.",
    "advanced": "Step \u201c{closed}\u201d is closed. Now open: {opened}.",
    "finished": "\u201c{title}\u201d is complete. Thank you all!",
    "closed": "\u201c{title}\u201d is closed.",
    "cancelled": "\u201c{title}\u201d was cancelled. Nothing was summarised.",
    # Status
    "status.header": "Status of \u201c{title}\u201d",
    "status.state.draft": "Draft: not started yet",
    "status.state.running": "Running",
    "status.state.closed": "Closed",
    "status.state.cancelled": "Cancelled",
    "status.step_state.pending": "to come",
    "status.step_state.open": "open",
    "status.step_state.closed": "closed",
    "status.step_state.skipped": "skipped",
    "status.step_state.cancelled": "cancelled",
    "status.facilitators": "Facilitators",
    "status.deadline": "Deadline",
    "status.participation": "Participation",
    "status.contributed": "{n} of {members} members",
    "status.missing": "Not yet",
    "count.idea.one": "1 idea",
    "count.idea.other": "{n} ideas",
    "count.person.one": "1 person",
    "count.person.other": "{n} people",
    # Ideas step
    "ideas.count": "{ideas} from {people} so far",
    "ideas.count_zero": "No ideas yet: be the first!",
    "ideas.closes": "Closes {when}",
    "ideas.input": "Your idea",
    "ideas.placeholder": "Type one idea; you can add up to {limit}.",
    "ideas.add": "Add idea",
    "ideas.added": "Your idea was added.",
    "ideas.edited": "Your idea was changed.",
    "ideas.withdrawn": "Your idea was withdrawn.",
    "ideas.yours": "Your ideas ({count} of {limit})",
    "ideas.none_yet": "You have not added an idea yet.",
    "ideas.edit": "Edit",
    "ideas.save": "Save",
    "ideas.withdraw": "Withdraw",
    "ideas.closed": "This step is closed: {ideas} from {people}.",
    "ideas.show_mine": "Show my ideas",
    "summary.header": "Ideas collected in \u201c{step}\u201d",
    "summary.none": "No ideas were added.",
    "summary.more": "\u2026and {count} more.",
    # Refusals (DomainError codes)
    "error.not_facilitator": "Only the facilitators of this trajectory can do that ({names}).",
    "error.no_active_trajectory": "There is no trajectory in this channel. Start one with \u201cnew <title>\u201d.",
    "error.trajectory_exists": "This channel already has a trajectory in progress: \u201c{title}\u201d. Close or cancel it first.",
    "error.invalid_transition": "That can't be done now: the trajectory is {state}.",
    "error.step_not_open": "This step is not open (any more).",
    "error.not_found": "I can't find that {what}. It may have been removed.",
    "error.stale_version": "This card was out of date. Here is the current version; please try again.",
    "error.invalid_input": "That input can't be used: {detail}",
    "error.limit_reached": "You've reached the limit of {limit} ideas. Edit or withdraw one to add another.",
    "error.not_author": "Only the author can change this idea.",
    "error.unknown_identity": "I couldn't tell who you are from Teams, so I changed nothing.",
    "error.bad_action": "That card action isn't valid. The card may be out of date.",
    "error.internal": "Sorry, something went wrong on my side. Please try again.",
    "input.empty": "{field} is empty.",
    "input.too_long": "{field} is too long ({length} characters; at most {max_length}).",
    "input.not_text": "{field} must be text.",
    "input.not_a_number": "{field} must be a number.",
    "input.out_of_range": "{field} must be between {low} and {high}.",
    "input.count": "{field}: between {low} and {high} allowed.",
    "input.in_the_past": "the deadline of step {step} is in the past.",
    "input.out_of_order": "step deadlines must follow the order of the steps.",
    "input.bad_date": "a deadline date or time isn't valid.",
    "input.unknown_kind": "unknown step kind \u201c{kind}\u201d.",
    "input.unknown_template": "unknown template \u201c{template}\u201d.",
    "field.idea": "The idea",
    "field.title": "The title",
    "field.question": "The question",
    "field.step_title": "A step title",
    "field.step_prompt": "A step's instructions",
    "field.max_per_person": "Ideas per person",
    "field.steps": "Steps",
    "field.facilitators": "Facilitators",
    "field.deadline": "Deadline",
    "field.kind": "Step kind",
    "field.template": "Template",
    "field.reminder_hours": "Reminder hours",
    # --- Vote (prioritisation) step: keys "vote.*" below this line ---
    # --- end of vote step ---
    # --- Evaluation step: keys "evaluation.*" below this line ---
    # --- end of evaluation step ---
    # --- Clarifications on ideas: keys "clarify.*" below this line ---
    # --- end of clarifications ---
    # --- Deadlines, reminders and jobs: keys "jobs.*", "reminder.*" below this line ---
    # --- end of deadlines and reminders ---
    # --- Templates: keys "template.*" below this line ---
    # --- end of templates ---
}


def t(key: str, **params: Any) -> str:
    return EN[key].format(**params)


def count(n: int, noun: str) -> str:
    """“1 idea”, “3 ideas”: the catalog holds each noun's singular and plural."""
    return t(f"count.{noun}.{'one' if n == 1 else 'other'}", n=n)
