"""Conversations between Blend and the people in a channel: facilitator commands, the setup
card and each step kind's card actions. Framework-neutral: these modules see a ``Turn`` and a
``Messenger`` port, never a botbuilder TurnContext, so a move off the Bot Framework SDK only
touches bot/. Long-lived progress is never dialog state: it lives in the database."""
