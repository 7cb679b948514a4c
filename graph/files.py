"""FileStore on Microsoft Graph: documents in a folder of the channel's Files (the SharePoint library
behind the channel; application permission Files.ReadWrite.All or Sites.ReadWrite.All).

JSON calls go through msgraph-sdk, whose middleware retries 429/503/504. Uploads are retried here:
the SDK's retry handler never resends an octet-stream body. An upload session's chunks go to its
pre-authenticated ``uploadUrl`` with a plain HTTP client and no Authorization header (the docs say a
token there may get a 401)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable, TypeVar
from urllib.parse import quote

from trajectory.files import FiledFile, FileStore, FilingError, FilingFailure, OutputFile
from trajectory.model import ChannelRef

from .directory import is_thread_id
from .errors import filing_error, filing_status
from .names import safe_segment

log = logging.getLogger(__name__)
T = TypeVar("T")

SIMPLE_UPLOAD_LIMIT = 4 * 1024 * 1024  # driveitem-put-content: "only supports files up to 4MB"
CHUNK_UNIT = 320 * 1024  # createUploadSession: every chunk but the last is a multiple of 327,680 bytes
DEFAULT_CHUNK = 10 * CHUNK_UNIT  # 3.125 MiB; one request may carry up to 60 MiB
# One whole filing (lookups, uploads, their retries): under the job runner's 2-minute lease, so no other
# instance takes the job over while it runs. Longer throttling is the job runner's to retry, later.
DEFAULT_TIMEOUT = 100.0
ATTEMPTS = 5  # tries of one upload request that is throttled or cut off
MAX_WAIT = 30.0  # a longer Retry-After is waited this long (the call's timeout bounds the rest)
RETRIED = frozenset({429, 503, 504})
CONFLICT = "@microsoft.graph.conflictBehavior"


class _NameTaken(FilingError):
    """409: a file of that name exists and the upload said "fail"."""

    def __init__(self) -> None:
        super().__init__(FilingFailure.INVALID, "HTTP 409 nameAlreadyExists")


def _id(value: str) -> str:
    return quote(value, safe="!")  # drive ids look like "b!AbC-_..."


def _name(value: str) -> str:
    return quote(value, safe="")


def _retry_after(headers: Any, attempt: int, cap: float) -> float:
    """Seconds to wait before try ``attempt + 1``: Retry-After when Graph sends it, else 1, 2, 4 ..."""
    value = (headers or {}).get("Retry-After") if headers is not None else None
    try:
        seconds = float(value) if value is not None else float(2 ** (attempt - 1))
    except ValueError:  # an HTTP date: Graph sends seconds, so this is rare
        seconds = float(2 ** (attempt - 1))
    return min(max(seconds, 0.0), cap)


def _first_missing(answer: Any, default: int) -> int:
    """The start of nextExpectedRanges' first range ("26-" or "12345-55232")."""
    ranges = answer.get("nextExpectedRanges") if isinstance(answer, dict) else None
    if not ranges:
        return default
    try:
        return int(str(ranges[0]).split("-", 1)[0])
    except ValueError:
        return default


class GraphFileStore(FileStore):
    def __init__(
        self,
        client: Any,
        uploads: Any,
        *,
        simple_limit: int = SIMPLE_UPLOAD_LIMIT,
        chunk_size: int = DEFAULT_CHUNK,
        timeout: float = DEFAULT_TIMEOUT,
        attempts: int = ATTEMPTS,
        max_wait: float = MAX_WAIT,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        """``client``: a GraphServiceClient; ``uploads``: an httpx.AsyncClient without credentials for
        the upload sessions' pre-authenticated URLs (owned and closed by the caller)."""
        if chunk_size <= 0 or chunk_size % CHUNK_UNIT:
            raise ValueError(f"chunk_size must be a multiple of {CHUNK_UNIT} bytes")
        self._client, self._uploads = client, uploads
        self._simple_limit, self._chunk, self._timeout = simple_limit, chunk_size, timeout
        self._attempts, self._max_wait, self._sleep = max(1, attempts), max_wait, sleep
        self._files_folders: dict[tuple[str, str], tuple[str, str]] = {}  # (team, channel) -> (drive, item)
        self._folders: dict[tuple[str, str, str], str] = {}  # (drive, parent, name) -> folder item id

    @property
    def _base(self) -> str:
        return self._client.request_adapter.base_url.rstrip("/")

    def _items(self, drive: str) -> Any:
        return self._client.drives.by_drive_id(drive).items

    async def file(self, channel: ChannelRef, team_group_id: str, folder: str, document: OutputFile,
                   replaces: FiledFile | None = None) -> FiledFile:
        if not team_group_id or is_thread_id(team_group_id):
            raise FilingError(FilingFailure.INVALID, "the team's Microsoft 365 group id is not known yet")
        try:
            return await asyncio.wait_for(
                self._file(team_group_id, channel.channel_id, safe_segment(folder), document, replaces),
                self._timeout,
            )
        except FilingError:
            raise
        except Exception as error:  # mapped to the port's failures; cancellation passes through
            raise filing_error(error) from error

    async def _file(self, team: str, channel: str, folder: str, document: OutputFile,
                    replaces: FiledFile | None) -> FiledFile:
        name = safe_segment(document.name)
        cached = (team, channel) in self._files_folders
        drive, root = await self._files_folder(team, channel)
        if replaces is not None and _is_drive_item(replaces):
            try:
                return await self._upload(drive, document.content, item=replaces.item_id)
            except FilingError as error:
                if error.failure is not FilingFailure.NOT_FOUND:
                    raise
                log.info("filed item is gone (%s); filing %s anew", error.detail, name)
        try:
            return await self._new(drive, await self._folder(drive, root, folder), name, document.content)
        except FilingError as error:
            if error.failure is not FilingFailure.NOT_FOUND or not cached:
                raise
            # Someone deleted or moved the folder we remembered: look it all up again, once.
            self._files_folders.pop((team, channel), None)
            self._folders = {key: value for key, value in self._folders.items() if key[0] != drive}
            drive, root = await self._files_folder(team, channel)
            return await self._new(drive, await self._folder(drive, root, folder), name, document.content)

    # ------------------------------------------------------------------ where

    async def _files_folder(self, team: str, channel: str) -> tuple[str, str]:
        """GET /teams/{team}/channels/{channel}/filesFolder: the channel's folder and its drive."""
        key = (team, channel)
        if key not in self._files_folders:
            channels = self._client.teams.by_team_id(team).channels
            item = await self._sdk(channels.by_channel_id(channel).files_folder.get())
            drive = item.parent_reference.drive_id if item is not None and item.parent_reference else None
            if not drive or not item.id:
                raise FilingError(FilingFailure.UNKNOWN, "Graph answered filesFolder without a drive or item id")
            self._files_folders[key] = (drive, item.id)
        return self._files_folders[key]

    async def _folder(self, drive: str, parent: str, name: str) -> str:
        """The folder ``name`` under ``parent``: created with conflictBehavior "fail", so two instances
        filing at once end up in one folder (the one that gets 409 looks the folder up)."""
        from kiota_abstractions.api_error import APIError
        from msgraph.generated.models.drive_item import DriveItem
        from msgraph.generated.models.folder import Folder

        key = (drive, parent, name)
        if key in self._folders:
            return self._folders[key]
        items = self._items(drive)
        try:
            created = await items.by_drive_item_id(parent).children.post(
                DriveItem(name=name, folder=Folder(), additional_data={CONFLICT: "fail"})
            )
        except APIError as error:
            if error.response_status_code != 409:
                raise filing_error(error) from error
            url = f"{self._base}/drives/{_id(drive)}/items/{_id(parent)}:/{_name(name)}"
            created = await self._sdk(items.by_drive_item_id(parent).with_url(url).get())
            if created is not None and created.folder is None:
                raise FilingError(FilingFailure.INVALID, "a file has the name of the trajectory's folder") from None
        if created is None or not created.id:
            raise FilingError(FilingFailure.UNKNOWN, "Graph answered without the folder's id")
        self._folders[key] = created.id
        return created.id

    # ------------------------------------------------------------------ uploads

    async def _new(self, drive: str, parent: str, name: str, content: bytes) -> FiledFile:
        """A new file that never overwrites one: "fail" first, then "rename" (Graph picks the name)."""
        try:
            return await self._upload(drive, content, parent=parent, name=name, behavior="fail")
        except _NameTaken:
            log.info("a file named like ours exists in the folder; Graph renames ours")
            return await self._upload(drive, content, parent=parent, name=name, behavior="rename")

    async def _upload(self, drive: str, content: bytes, *, item: str | None = None, parent: str | None = None,
                      name: str = "", behavior: str = "fail") -> FiledFile:
        """Overwrite ``item``, or put ``name`` under ``parent`` with the conflict ``behavior``."""
        items = self._items(drive)
        target = f"{self._base}/drives/{_id(drive)}/items/" + (
            _id(item) if item else f"{_id(parent or '')}:/{_name(name)}:"
        )
        builder = items.by_drive_item_id(item or parent or "")
        if len(content) <= self._simple_limit:
            url = f"{target}/content" + ("" if item else f"?{CONFLICT}={behavior}")
            put = builder.content.with_url(url)
            return _filed(await self._retrying(lambda: put.put(content)))
        from msgraph.generated.drives.item.items.item.create_upload_session.create_upload_session_post_request_body import (  # noqa: E501
            CreateUploadSessionPostRequestBody,
        )
        from msgraph.generated.models.drive_item_uploadable_properties import DriveItemUploadableProperties

        body = CreateUploadSessionPostRequestBody()
        if not item:  # an update by id needs no item; a new file names itself and says what on a conflict
            body.item = DriveItemUploadableProperties(name=name, additional_data={CONFLICT: behavior})
        session = await self._sdk(builder.create_upload_session.with_url(f"{target}/createUploadSession").post(body))
        if session is None or not session.upload_url:
            raise FilingError(FilingFailure.UNKNOWN, "Graph answered without an uploadUrl")
        return _filed_json(await self._chunks(session.upload_url, content))

    async def _sdk(self, call: Awaitable[T]) -> T:
        from kiota_abstractions.api_error import APIError

        try:
            return await call
        except APIError as error:
            if error.response_status_code == 409:
                raise _NameTaken() from error
            raise filing_error(error) from error

    async def _retrying(self, send: Callable[[], Awaitable[T]]) -> T:
        """An SDK call with an octet-stream body, retried on 429/503/504 (Retry-After, capped)."""
        from kiota_abstractions.api_error import APIError

        for attempt in range(1, self._attempts + 1):
            try:
                return await send()
            except APIError as error:
                if error.response_status_code == 409:
                    raise _NameTaken() from error
                if error.response_status_code not in RETRIED or attempt == self._attempts:
                    raise filing_error(error) from error
                wait = _retry_after(error.response_headers, attempt, self._max_wait)
                log.info("upload answered %s; retrying in %.1f s", error.response_status_code, wait)
                await self._sleep(wait)
        raise AssertionError("unreachable")

    async def _chunks(self, url: str, content: bytes) -> Any:
        """PUT the bytes to the session in chunks (Content-Range), resuming where Graph says
        (nextExpectedRanges) after a throttled, failed or lost chunk. Returns the driveItem."""
        import httpx

        total, offset, failures = len(content), 0, 0
        while True:
            end = min(offset + self._chunk, total)
            headers = {"Content-Range": f"bytes {offset}-{end - 1}/{total}"}
            response: Any = None
            try:
                response = await self._uploads.put(url, content=content[offset:end], headers=headers)
            except (httpx.TransportError, httpx.TimeoutException) as error:
                log.info("upload chunk at %d cut off (%s)", offset, type(error).__name__)
            if response is not None:
                status = response.status_code
                if status in (200, 201):
                    return _json(response)
                if status == 202:
                    following = _first_missing(_json(response), end)
                    if offset < following < total:
                        offset, failures = following, 0
                        continue
                    # Graph asks for bytes it had, or for none: like a failed chunk, bounded below.
                if status == 409:
                    await self._cancel(url)
                    raise _NameTaken()
                if status == 404:  # the session expired: not "the file is gone" (that would file a copy)
                    raise FilingError(FilingFailure.UNKNOWN, "HTTP 404 the upload session is gone")
                if status not in RETRIED and status not in (416, 500, 502):
                    await self._cancel(url)
                    raise filing_status(status, _code(response))
            failures += 1
            if failures >= self._attempts:
                await self._cancel(url)
                if response is None:
                    raise FilingError(FilingFailure.UNKNOWN, "the upload kept being cut off")
                raise filing_status(response.status_code, _code(response))
            await self._sleep(_retry_after(response.headers if response is not None else None, failures,
                                           self._max_wait))
            offset = await self._resume_at(url, offset)

    async def _resume_at(self, url: str, offset: int) -> int:
        """GET the session's status: where Graph wants the next byte (``offset`` if it won't say)."""
        import httpx

        try:
            response = await self._uploads.get(url)
        except (httpx.TransportError, httpx.TimeoutException):
            return offset
        return _first_missing(_json(response), offset) if response.status_code == 200 else offset

    async def _cancel(self, url: str) -> None:
        """DELETE the session so its temporary file goes now, not at expiry. Best effort."""
        import httpx

        try:
            await self._uploads.delete(url)
        except (httpx.TransportError, httpx.TimeoutException):
            pass


def _is_drive_item(filed: FiledFile | None) -> bool:
    """A file Graph filed; not one the local outbox filed before Graph was configured (a path)."""
    if filed is None or not filed.item_id or filed.path is not None:
        return False
    return "/" not in filed.item_id and "\\" not in filed.item_id  # drive item ids never hold these


def _json(response: Any) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _code(response: Any) -> str:
    answer = _json(response)
    error = answer.get("error") if isinstance(answer, dict) else None
    return str(error.get("code", "")) if isinstance(error, dict) else ""


def _filed(item: Any) -> FiledFile:
    if item is None or not item.id:
        raise FilingError(FilingFailure.UNKNOWN, "Graph answered without the file's id")
    return FiledFile(name=item.name or "", item_id=item.id, web_url=item.web_url or None)


def _filed_json(item: dict[str, Any]) -> FiledFile:
    if not isinstance(item, dict) or not item.get("id"):
        raise FilingError(FilingFailure.UNKNOWN, "the upload session ended without the file's id")
    return FiledFile(name=item.get("name") or "", item_id=item["id"], web_url=item.get("webUrl") or None)
