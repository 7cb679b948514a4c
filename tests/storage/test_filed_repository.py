"""What Blend filed (trajectory/filing.py) over SQL: one record per step and one for the report per
trajectory; recording again replaces (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from storage import models as m
from trajectory.filing import FiledOutput

from .conftest import NOW, draft


@pytest.fixture
async def trajectory(uow_factory):
    trajectory = draft(steps=2)
    async with uow_factory() as uow:
        await uow.trajectories.add(trajectory)
        await uow.commit()
    return trajectory


def filed(trajectory, step_id, name, item="item-1", url="https://contoso.sharepoint.com/a.xlsx", minutes=0):
    return FiledOutput(trajectory_id=trajectory.id, step_id=step_id, name=name, item_id=item, web_url=url,
                       filed_at=NOW + timedelta(minutes=minutes))


async def test_a_record_per_step_and_one_report_and_recording_again_replaces(uow_factory, trajectory):
    first, second = (s.id for s in trajectory.steps)
    async with uow_factory() as uow:
        assert await uow.filed.get(trajectory.id, first) is None
        await uow.filed.record(filed(trajectory, first, "01 Ideas.xlsx"))
        await uow.filed.record(filed(trajectory, second, "02 Vote.xlsx", item="item-2"))
        await uow.filed.record(filed(trajectory, None, "Report.docx", item="item-3", url=None))
        await uow.commit()
    async with uow_factory() as uow:  # a re-run: the same outputs, new items
        await uow.filed.record(filed(trajectory, first, "01 Ideas.xlsx", item="item-1b", minutes=5))
        await uow.filed.record(filed(trajectory, None, "Report.docx", item="item-3b", url=None, minutes=5))
        await uow.commit()
    async with uow_factory() as uow:
        records = await uow.filed.for_trajectory(trajectory.id)
        assert [(r.step_id, r.name, r.item_id) for r in records] == [
            (first, "01 Ideas.xlsx", "item-1b"), (second, "02 Vote.xlsx", "item-2"), (None, "Report.docx", "item-3b")]
        report = await uow.filed.get(trajectory.id, None)
        assert report is not None and report.web_url is None and report.filed_at == NOW + timedelta(minutes=5)
        assert (await uow.filed.get(trajectory.id, second)).as_filed_file().web_url.endswith("a.xlsx")


async def test_the_database_refuses_a_second_report_record(uow_factory, trajectory):
    async with uow_factory() as uow:
        await uow.filed.record(filed(trajectory, None, "Report.docx"))
        await uow.commit()
    async with uow_factory() as uow:
        insert = sa.insert(m.filed_outputs).values(trajectory_id=trajectory.id, step_id=None, name="x", item_id="y",
                                                   filed_at=NOW)
        with pytest.raises(IntegrityError):
            await uow.session.execute(insert)
