"""The Action.Execute verbs Blend's cards send, in one place. Action data carries ids and a
version only; who clicked comes from the activity, and state is reloaded from the database."""

SETUP_SAVE = "setup.save"
SETUP_ADD_STEP = "setup.add_step"
SETUP_REMOVE_STEP = "setup.remove_step"
SETUP_START = "setup.start"
SETUP_TEMPLATE = "setup.template"

IDEAS_ADD = "ideas.add"
IDEAS_EDIT = "ideas.edit"
IDEAS_WITHDRAW = "ideas.withdraw"
IDEAS_REFRESH = "ideas.refresh"
# Clarifications and merges on ideas (cards/idea_list.py, cards/clarify.py).
IDEAS_CLARIFY = "ideas.clarify"  # {idea_id} + the three CLARIFY_* inputs of that idea
IDEAS_ANSWER = "ideas.answer"  # {clarification_id, version[, view: "private"]} + ANSWER_TEXT_PREFIX<id>
IDEAS_MERGE_CHOOSE = "ideas.merge_choose"  # {idea_id, version}: the facilitator's merge form
IDEAS_MERGE = "ideas.merge"  # {idea_id, version} + MERGE_TARGET
IDEAS_UNMERGE = "ideas.unmerge"  # {idea_id, version}

VOTE_SUBMIT = "vote.submit"
VOTE_REFRESH = "vote.refresh"
VOTE_REVEAL = "vote.reveal"

EVALUATION_SUBMIT = "evaluation.submit"
EVALUATION_REFRESH = "evaluation.refresh"

# Meeting and workshop steps (cards/meeting.py): data {step_id, version} (the stored meeting's version).
MEETING_SCHEDULE = "meeting.schedule"  # + the MEETING_* scheduling inputs
MEETING_RESCHEDULE = "meeting.reschedule"  # + the MEETING_* scheduling inputs
MEETING_CANCEL = "meeting.cancel"  # + MEETING_COMMENT
MEETING_OUTCOMES_SAVE = "meeting.outcomes"  # + MEETING_OUTCOMES, MEETING_DECISIONS
MEETING_REFRESH = "meeting.refresh"  # {step_id}: the card with the clicker's time zone preselected

# Input ids: Teams merges the values of a card's inputs into the action data under these keys.
IDEA_TEXT = "idea_text"
EDIT_TEXT_PREFIX = "idea_edit_"
CLARIFY_TEXT_PREFIX = "clarify_text_"  # + idea id
CLARIFY_KIND_PREFIX = "clarify_kind_"  # + idea id: "question" | "comment"
CLARIFY_ANONYMOUS_PREFIX = "clarify_anon_"  # + idea id: "true" | "false"
ANSWER_TEXT_PREFIX = "answer_text_"  # + clarification id
MERGE_TARGET = "merge_target"  # id of the idea to merge into
VOTE_OPTION_PREFIX = "vote_opt_"  # + option id: dots, score or approval for that option
VOTE_PLACE_PREFIX = "vote_place_"  # + place (1 = first): the option id ranked there
EVALUATION_ANSWER_PREFIX = "evaluation_answer_"  # + question id
MEETING_DATE = "meeting_date"  # YYYY-MM-DD, in MEETING_TIME_ZONE
MEETING_TIME = "meeting_time"  # HH:MM
MEETING_DURATION = "meeting_duration"  # minutes
MEETING_TIME_ZONE = "meeting_time_zone"  # IANA name
MEETING_ORGANIZER = "meeting_organizer"  # e-mail / UPN; empty = the facilitator
MEETING_LOCATION = "meeting_location"  # workshop
MEETING_ONLINE = "meeting_online"  # workshop: "true" | "false"
MEETING_COMMENT = "meeting_comment"
MEETING_OUTCOMES = "meeting_outcomes"
MEETING_DECISIONS = "meeting_decisions"
