"""Who took part in which step, for several steps in one statement (the status card): a UNION ALL
of each kind's contributions. The same people as each kind's own query (dialogs' ``contributors``:
ideas.author_ids, votes.voter_ids, responses.respondents); tests/bench/test_status_statements.py
compares them. Steps of other kinds (meetings) have no rows in these tables.
"""

from __future__ import annotations

from collections.abc import Collection

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from trajectory.kinds.ideas import IdeaState

from . import models as m


def _contributors() -> sa.CompoundSelect:
    ids = sa.bindparam("step_ids", expanding=True)
    ideas, ballots, responses = m.ideas, m.ballots, m.responses
    return sa.union_all(
        # Idea authors: not withdrawn (merged duplicates included).
        sa.select(ideas.c.step_id, ideas.c.author_aad_id.label("aad_id")).distinct()
        .where(ideas.c.step_id.in_(ids), ideas.c.state == IdeaState.ACTIVE.value),
        # Voters: a ballot that is not empty.
        sa.select(ballots.c.step_id, ballots.c.voter_aad_id).where(ballots.c.step_id.in_(ids),
                                                                   ballots.c.voted == sa.true()),
        # Evaluation respondents.
        sa.select(responses.c.step_id, responses.c.respondent_aad_id).where(responses.c.step_id.in_(ids)),
    )


# Built once: composing it is most of its cost in Python (status runs it on every call).
_CONTRIBUTORS = _contributors()


class SqlParticipation:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def contributors(self, step_ids: Collection[int]) -> dict[int, set[str]]:
        """aad ids per step id (steps nobody contributed to are left out)."""
        if not step_ids:
            return {}
        found: dict[int, set[str]] = {}
        for step_id, aad_id in (await self._session.execute(_CONTRIBUTORS, {"step_ids": sorted(step_ids)})).all():
            found.setdefault(step_id, set()).add(aad_id)
        return found
