"""The channel's Files without Microsoft Graph: documents written to ``<outbox>/files/<folder>/<name>``
with the same rules as the Graph store: Blend's own earlier file is replaced, any other file of the
same name is kept and the new one becomes "name (2).xlsx"."""

from __future__ import annotations

import asyncio
import itertools
import os
import uuid
from pathlib import Path

from trajectory.files import FiledFile, FileStore, FilingError, FilingFailure, OutputFile
from trajectory.model import ChannelRef

from .names import safe_segment


class OutboxFileStore(FileStore):
    def __init__(self, outbox: str | Path) -> None:
        self._root = Path(outbox).absolute() / "files"  # stored paths stay valid if the cwd changes

    def folder_of(self, folder: str) -> Path:
        return self._root / safe_segment(folder)

    async def file(self, channel: ChannelRef, team_group_id: str, folder: str, document: OutputFile,
                   replaces: FiledFile | None = None) -> FiledFile:
        try:
            return await asyncio.to_thread(self._write, folder, document, replaces)
        except OSError as error:  # a full disk, no permission: the caller reports it like a Graph failure
            detail = f"the outbox could not be written ({type(error).__name__})"
            raise FilingError(FilingFailure.UNKNOWN, detail) from error

    def _write(self, folder: str, document: OutputFile, replaces: FiledFile | None) -> FiledFile:
        directory = self.folder_of(folder)
        directory.mkdir(parents=True, exist_ok=True)
        partial = directory / f".{uuid.uuid4().hex}.partial"
        partial.write_bytes(document.content)
        try:
            target = self._ours(replaces)
            if target is not None:
                os.replace(partial, target)  # readers see the old file or the new one, never half
            else:
                target = self._claim(partial, directory, safe_segment(document.name))
        finally:
            partial.unlink(missing_ok=True)
        return FiledFile(name=target.name, item_id=str(target), path=str(target))

    def _ours(self, replaces: FiledFile | None) -> Path | None:
        """The file Blend filed before, if it is still there and inside the outbox."""
        if replaces is None or not replaces.item_id:
            return None
        path = Path(replaces.path or replaces.item_id)
        try:
            inside = path.resolve().is_relative_to(self._root.resolve())
        except OSError:
            return None
        return path if inside and path.is_file() else None

    @staticmethod
    def _claim(partial: Path, directory: Path, name: str) -> Path:
        """Link the written bytes under the first free name: os.link fails on an existing name, so
        two writers never take the same one and nobody's file is overwritten."""
        stem, suffix = Path(name).stem, Path(name).suffix
        for n in itertools.count(1):
            target = directory / (name if n == 1 else f"{stem} ({n}){suffix}")
            try:
                os.link(partial, target)
            except FileExistsError:
                continue
            except OSError:  # a file system without hard links: an exclusive create instead
                try:
                    with open(target, "xb") as out:
                        out.write(partial.read_bytes())
                except FileExistsError:
                    continue
            return target
        raise AssertionError("unreachable")
