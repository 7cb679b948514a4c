"""Blend's benchmark (issue 9): Blend against stock botbuilder and a hand-written aiohttp ceiling,
with the same Teams traffic, on SQLite and PostgreSQL. Run ``python -m bench --help``."""
