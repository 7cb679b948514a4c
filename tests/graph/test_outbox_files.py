"""The local Files fallback: documents in <outbox>/files/<folder>/, our file replaced, a person's kept."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from graph.names import safe_segment
from graph.outbox_files import OutboxFileStore
from trajectory.files import DOCX, XLSX, FiledFile, FilingError, FilingFailure, OutputFile
from trajectory.model import ChannelRef

CHANNEL = ChannelRef(tenant_id="tenant-1", team_id="19:team@thread.tacv2", channel_id="19:general@thread.tacv2")
FOLDER = "Our first trajectory"


def document(name: str = "1 Ideas.xlsx", content: bytes = b"ideas v1") -> OutputFile:
    return OutputFile(name=name, content=content, content_type=XLSX if name.endswith(".xlsx") else DOCX)


async def test_a_document_goes_to_the_trajectorys_folder_in_the_outbox(tmp_path):
    filed = await OutboxFileStore(tmp_path).file(CHANNEL, "", FOLDER, document())

    path = tmp_path / "files" / FOLDER / "1 Ideas.xlsx"
    assert path.read_bytes() == b"ideas v1"
    assert filed == FiledFile(name="1 Ideas.xlsx", item_id=str(path), web_url=None, path=str(path))
    assert [p.name for p in path.parent.iterdir()] == ["1 Ideas.xlsx"]  # no partial file left behind


async def test_a_rerun_replaces_our_own_file(tmp_path):
    files = OutboxFileStore(tmp_path)
    first = await files.file(CHANNEL, "", FOLDER, document())

    again = await files.file(CHANNEL, "", FOLDER, document(content=b"ideas v2"), replaces=first)

    assert again == first and Path(first.path).read_bytes() == b"ideas v2"
    assert len(list(Path(first.path).parent.iterdir())) == 1


async def test_a_file_of_the_same_name_that_we_did_not_file_is_kept(tmp_path):
    folder = tmp_path / "files" / FOLDER
    folder.mkdir(parents=True)
    (folder / "1 Ideas.xlsx").write_bytes(b"a person's notes")
    files = OutboxFileStore(tmp_path)

    first = await files.file(CHANNEL, "", FOLDER, document())
    second = await files.file(CHANNEL, "", FOLDER, document(content=b"again, without replaces"))

    assert (folder / "1 Ideas.xlsx").read_bytes() == b"a person's notes"
    assert (first.name, second.name) == ("1 Ideas (2).xlsx", "1 Ideas (3).xlsx")
    assert Path(second.path).read_bytes() == b"again, without replaces"


async def test_when_our_file_is_gone_a_rerun_files_it_anew(tmp_path):
    files = OutboxFileStore(tmp_path)
    first = await files.file(CHANNEL, "", FOLDER, document())
    Path(first.path).unlink()

    again = await files.file(CHANNEL, "", FOLDER, document(content=b"v2"), replaces=first)

    assert again.name == "1 Ideas.xlsx" and Path(again.path).read_bytes() == b"v2"


async def test_replaces_never_reaches_outside_the_outbox(tmp_path):
    outside = tmp_path / "elsewhere.xlsx"
    outside.write_bytes(b"not the outbox's")
    forged = FiledFile(name="x", item_id=str(outside), path=str(outside))

    filed = await OutboxFileStore(tmp_path / "outbox").file(CHANNEL, "", FOLDER, document(), replaces=forged)

    assert outside.read_bytes() == b"not the outbox's"
    assert Path(filed.path).is_relative_to(tmp_path / "outbox" / "files")


async def test_names_stay_inside_their_folder(tmp_path):
    filed = await OutboxFileStore(tmp_path).file(CHANNEL, "", "../../etc", document("../passwd"))

    assert Path(filed.path) == tmp_path / "files" / "_.._etc" / "_passwd"


async def test_concurrent_filings_of_one_name_never_overwrite_each_other(tmp_path):
    files = OutboxFileStore(tmp_path)
    filed = await asyncio.gather(*(files.file(CHANNEL, "", FOLDER, document(content=bytes([n]))) for n in range(8)))

    assert len({f.path for f in filed}) == 8
    assert sorted(Path(f.path).read_bytes() for f in filed) == [bytes([n]) for n in range(8)]


async def test_a_write_that_fails_is_a_filing_error(tmp_path):
    (tmp_path / "files").write_bytes(b"a file where the folder should be")

    with pytest.raises(FilingError) as raised:
        await OutboxFileStore(tmp_path).file(CHANNEL, "", FOLDER, document())
    assert raised.value.failure is FilingFailure.UNKNOWN


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("Ideas: round 1?.xlsx", "Ideas_ round 1_.xlsx"),
        ("..", "_"),
        ("  report. ", "report"),
        ("a\\b/c|d*e\"f<g>h", "a_b_c_d_e_f_g_h"),
        ("x" * 300 + ".docx", "x" * 195 + ".docx"),
    ],
)
def test_safe_segment(name, safe):
    assert safe_segment(name) == safe
