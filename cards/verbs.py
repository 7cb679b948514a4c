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

VOTE_SUBMIT = "vote.submit"
VOTE_REFRESH = "vote.refresh"
VOTE_REVEAL = "vote.reveal"

EVALUATION_SUBMIT = "evaluation.submit"
EVALUATION_REFRESH = "evaluation.refresh"

# Input ids: Teams merges the values of a card's inputs into the action data under these keys.
IDEA_TEXT = "idea_text"
EDIT_TEXT_PREFIX = "idea_edit_"
VOTE_OPTION_PREFIX = "vote_opt_"  # + option id: dots, score or approval for that option
VOTE_PLACE_PREFIX = "vote_place_"  # + place (1 = first): the option id ranked there
EVALUATION_ANSWER_PREFIX = "evaluation_answer_"  # + question id
