"""The channel's Files in the Graph double: one drive per channel, folders and files in it, checked
against Graph's documentation (driveitem-get, driveitem-post-children, driveitem-put-content,
driveitem-createuploadsession, channel-get-filesfolder):

* the simple upload takes at most 4 MB (4 MiB here) and ``@microsoft.graph.conflictBehavior`` in the
  URL (fail, replace or rename; PUT's default is replace);
* an upload session's ``item.name`` is the name in its path; its chunks are PUT in order to the
  ``uploadUrl`` with ``Content-Range: bytes a-b/total`` (one total for all), each but the last a
  multiple of 320 KiB (327,680 bytes), at most 60 MiB, and WITHOUT an Authorization header; the last
  byte commits the file (201, or 200 for an update); a name conflict then answers 409
  nameAlreadyExists (the docs: "an error is returned when the last byte range is uploaded");
* with ``token`` set, every Graph (v1.0) request must carry ``Authorization: Bearer <token>``.
Anything else is recorded in the double's ``problems`` and answered 400.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from aiohttp import web

SIMPLE_LIMIT = 4 * 1024 * 1024
CHUNK_UNIT = 320 * 1024
MAX_CHUNK = 60 * 1024 * 1024
BEHAVIORS = {"fail", "replace", "rename"}
CONFLICT = "@microsoft.graph.conflictBehavior"
FORBIDDEN = re.compile(r'["*:<>?/\\|]')
CONTENT_RANGE = re.compile(r"^bytes (\d+)-(\d+)/(\d+)$")
EXPIRES = "2030-01-01T00:00:00Z"


@dataclass
class Item:
    id: str
    name: str
    parent: str | None  # None: the drive's root
    drive: str
    folder: bool
    content: bytes = b""


@dataclass
class Session:
    id: str
    drive: str
    behavior: str
    parent: str | None = None  # a new file: its folder and name
    name: str = ""
    item: str | None = None  # an update of this item
    received: bytearray = field(default_factory=bytearray)
    total: int | None = None
    chunks: list[tuple[int, int, int]] = field(default_factory=list)  # (first, last, total) per PUT


def _error(status: int, code: str, message: str = "") -> web.Response:
    return web.json_response({"error": {"code": code, "message": message or code}}, status=status)


class FilesDouble:
    def __init__(self, graph: Any) -> None:
        self._graph = graph
        self.token: str | None = None  # required on v1.0 requests when set
        self.items: dict[str, Item] = {}
        self.channels: dict[tuple[str, str], str] = {}  # (team, channel) -> the channel's folder id
        self.sessions: dict[str, Session] = {}
        self.cancelled: list[str] = []  # deleted session ids
        self._ids = itertools.count(1)
        self._session_ids = itertools.count(1)

    # ------------------------------------------------------------------ set-up and reading back

    def add_channel(self, team: str, channel: str, name: str = "General") -> Item:
        drive = f"b!drive-{next(self._ids)}"
        library = self._add(Item(f"root-{drive}", "Shared Documents", None, drive, True))
        folder = self._add(Item(f"01FOLDER{next(self._ids)}", name, library.id, drive, True))
        self.channels[(team, channel)] = folder.id
        return folder

    def add_file(self, parent: Item, name: str, content: bytes = b"a person's file") -> Item:
        return self._add(Item(f"01FILE{next(self._ids)}", name, parent.id, parent.drive, False, content))

    def child(self, parent: Item | str, name: str) -> Item | None:
        parent_id = parent if isinstance(parent, str) else parent.id
        return next((i for i in self.items.values() if i.parent == parent_id and i.name.lower() == name.lower()), None)

    def children(self, parent: Item | str) -> list[Item]:
        parent_id = parent if isinstance(parent, str) else parent.id
        return [i for i in self.items.values() if i.parent == parent_id]

    def web_url(self, item: Item) -> str:
        names, current = [], item
        while current.parent is not None:
            names.append(current.name)
            current = self.items[current.parent]
        return "https://contoso.sharepoint.com/sites/Team/Shared%20Documents/" + "/".join(
            quote(n) for n in reversed(names)
        )

    def _add(self, item: Item) -> Item:
        self.items[item.id] = item
        return item

    def _view(self, item: Item) -> dict[str, Any]:
        view: dict[str, Any] = {
            "id": item.id,
            "name": item.name,
            "webUrl": self.web_url(item),
            "size": len(item.content),
            "parentReference": {"driveId": item.drive, "driveType": "documentLibrary", "id": item.parent},
        }
        if item.folder:
            view["folder"] = {"childCount": len(self.children(item))}
        else:
            view["file"] = {"mimeType": "application/octet-stream"}
        return view

    # ------------------------------------------------------------------ checks shared with the dispatcher

    def takes_bytes(self, method: str, path: str) -> bool:
        return method == "PUT" and (path.endswith("/content") or path.startswith("/upload/"))

    def check_token(self, path: str, headers: Any) -> str | None:
        authorization = headers.get("Authorization")
        if path.startswith("/upload/"):
            if authorization is not None:
                return "an Authorization header was sent to the pre-authenticated uploadUrl"
            return None
        if self.token is not None and authorization != f"Bearer {self.token}":
            return f"a Graph request without the bearer token: {path}"
        return None

    def _problem(self, what: str) -> web.Response:
        return self._graph._problem(what)

    # ------------------------------------------------------------------ Graph

    def files_folder(self, team: str, channel: str) -> web.Response:
        if (team, channel) not in self.channels:
            return _error(404, "NotFound", "Channel not found")
        return web.json_response(self._view(self.items[self.channels[(team, channel)]]))

    def route(self, method: str, drive: str, rest: str, query: Any, body: Any) -> web.Response:
        if ":/" in rest:
            anchor, tail = rest.split(":/", 1)
            action = ""
            for suffix in (":/content", ":/createUploadSession"):
                if tail.endswith(suffix):
                    tail, action = tail[: -len(suffix)], suffix[2:]
            name = tail[:-1] if tail.endswith(":") else tail
            parent = self._item(drive, anchor)
            if parent is None:
                return _error(404, "itemNotFound", "The resource could not be found.")
            if not parent.folder or not name or "/" in name or FORBIDDEN.search(name):
                return self._problem(f"not a file name under a folder: {rest!r}")
            if action == "" and method == "GET":
                found = self.child(parent, name)
                return web.json_response(self._view(found)) if found else _error(404, "itemNotFound", "Not found")
            if action == "content" and method == "PUT":
                return self._put_new(parent, name, query, body)
            if action == "createUploadSession" and method == "POST":
                return self._session_new(parent, name, body)
            return self._problem(f"no such Graph call: {method} .../items/{rest}")
        anchor, _, action = rest.partition("/")
        item = self._item(drive, anchor)
        if item is None:
            return _error(404, "itemNotFound", "The resource could not be found.")
        if action == "children" and method == "POST":
            return self._create_folder(item, body)
        if action == "content" and method == "PUT":
            if query:
                return self._problem(f"replacing by id takes no query: {dict(query)}")
            if item.folder:
                return self._problem("content PUT on a folder")
            if len(body) > SIMPLE_LIMIT:
                return self._problem(f"simple upload of {len(body)} bytes (the limit is 4 MB)")
            item.content = bytes(body)
            return web.json_response(self._view(item), status=200)
        if action == "createUploadSession" and method == "POST":
            if not isinstance(body, dict) or set(body) - {"item", "deferCommit", "@odata.type"}:
                return self._problem(f"createUploadSession body: {body}")
            if item.folder:
                return self._problem("an update session on a folder")
            return self._session(Session(self._session_id(), drive, "replace", item=item.id))
        return self._problem(f"no such Graph call: {method} .../items/{rest}")

    def _item(self, drive: str, item_id: str) -> Item | None:
        item = self.items.get(item_id)
        return item if item is not None and item.drive == drive else None

    def _create_folder(self, parent: Item, body: Any) -> web.Response:
        if not isinstance(body, dict) or set(body) - {"name", "folder", CONFLICT, "@odata.type"}:
            return self._problem(f"children POST body: {body}")
        name, behavior = body.get("name") or "", body.get(CONFLICT, "fail")
        if not isinstance(body.get("folder"), dict) or not name or FORBIDDEN.search(name):
            return self._problem(f"a folder needs a valid name and folder {{}}: {body}")
        if behavior not in BEHAVIORS:
            return self._problem(f"conflictBehavior {behavior!r}")
        existing = self.child(parent, name)
        if existing is not None:
            if behavior == "fail":
                return _error(409, "nameAlreadyExists", "The specified item name already exists.")
            if behavior == "rename":
                name = self._free_name(parent, name)
            else:
                return web.json_response(self._view(existing), status=201)
        folder = self._add(Item(f"01FOLDER{next(self._ids)}", name, parent.id, parent.drive, True))
        return web.json_response(self._view(folder), status=201)

    def _free_name(self, parent: Item, name: str) -> str:
        stem, dot, extension = name.rpartition(".")
        if not dot:
            stem, extension = name, ""
        for n in itertools.count(1):
            candidate = f"{stem} {n}{dot}{extension}"
            if self.child(parent, candidate) is None:
                return candidate
        raise AssertionError("unreachable")

    def _commit(self, parent: Item, name: str, behavior: str, content: bytes) -> web.Response:
        existing = self.child(parent, name)
        if existing is not None:
            if behavior == "fail":
                return _error(409, "nameAlreadyExists", "The specified item name already exists.")
            if behavior == "replace":
                existing.content = content
                return web.json_response(self._view(existing), status=200)
            name = self._free_name(parent, name)
        created = self._add(Item(f"01FILE{next(self._ids)}", name, parent.id, parent.drive, False, content))
        return web.json_response(self._view(created), status=201)

    def _put_new(self, parent: Item, name: str, query: Any, body: bytes) -> web.Response:
        if set(query) - {CONFLICT}:
            return self._problem(f"unexpected query on an upload: {dict(query)}")
        behavior = query.get(CONFLICT, "replace")  # PUT's documented default
        if behavior not in BEHAVIORS:
            return self._problem(f"conflictBehavior {behavior!r}")
        if len(body) > SIMPLE_LIMIT:
            return self._problem(f"simple upload of {len(body)} bytes (the limit is 4 MB)")
        return self._commit(parent, name, behavior, bytes(body))

    # ------------------------------------------------------------------ upload sessions

    def _session_id(self) -> str:
        return f"session-{next(self._session_ids)}"

    def _session_new(self, parent: Item, name: str, body: Any) -> web.Response:
        if body is not None and (not isinstance(body, dict) or set(body) - {"item", "deferCommit", "@odata.type"}):
            return self._problem(f"createUploadSession body: {body}")
        item = (body or {}).get("item") or {}
        allowed = {CONFLICT, "name", "description", "fileSize", "@odata.type"}
        if not isinstance(item, dict) or set(item) - allowed:
            return self._problem(f"createUploadSession item: {item}")
        if "name" in item and item["name"] != name:
            return self._problem(f"item.name {item['name']!r} is not the name in the path {name!r}")
        if (body or {}).get("deferCommit"):
            return self._problem("deferCommit: the commit request is not modelled")
        behavior = item.get(CONFLICT, "fail")  # createUploadSession's documented default
        if behavior not in BEHAVIORS:
            return self._problem(f"conflictBehavior {behavior!r}")
        return self._session(Session(self._session_id(), parent.drive, behavior, parent=parent.id, name=name))

    def _session(self, session: Session) -> web.Response:
        self.sessions[session.id] = session
        root = self._graph.base_url.removesuffix("/v1.0")
        return web.json_response({"uploadUrl": f"{root}/upload/{session.id}", "expirationDateTime": EXPIRES})

    def _status(self, session: Session, status: int = 200) -> web.Response:
        return web.json_response(
            {"expirationDateTime": EXPIRES, "nextExpectedRanges": [f"{len(session.received)}-"]}, status=status
        )

    def session(self, method: str, parts: list[str], headers: Any, body: Any) -> web.Response:
        session = self.sessions.get(parts[0]) if len(parts) == 1 else None
        if session is None:
            return _error(404, "itemNotFound", "The upload session was not found.")
        if method == "GET":
            return self._status(session)
        if method == "DELETE":
            del self.sessions[session.id]
            self.cancelled.append(session.id)
            return web.Response(status=204)
        if method != "PUT":
            return self._problem(f"{method} on an uploadUrl")
        match = CONTENT_RANGE.match(headers.get("Content-Range", ""))
        if match is None:
            return self._problem(f"Content-Range must be 'bytes a-b/total': {headers.get('Content-Range')!r}")
        first, last, total = (int(g) for g in match.groups())
        session.chunks.append((first, last, total))
        if session.total is not None and total != session.total:
            return self._problem(f"the total changed from {session.total} to {total}")
        session.total = total
        size = last - first + 1
        if size != len(body) or int(headers.get("Content-Length", -1)) != len(body):
            return self._problem(f"Content-Range says {size} bytes, Content-Length {headers.get('Content-Length')}, "
                                 f"the body has {len(body)}")
        if first != len(session.received):
            return self._problem(f"chunk at {first} but the next expected byte is {len(session.received)}")
        if size > MAX_CHUNK or last >= total:
            return self._problem(f"chunk {first}-{last}/{total}")
        if last + 1 < total and size % CHUNK_UNIT:
            return self._problem(f"a {size}-byte chunk is not a multiple of 320 KiB")
        session.received.extend(body)
        if len(session.received) < total:
            return self._status(session, 202)
        if session.item is not None:
            item = self.items.get(session.item)
            if item is None:
                return _error(404, "itemNotFound", "The item was deleted.")
            item.content = bytes(session.received)
            del self.sessions[session.id]
            return web.json_response(self._view(item), status=200)
        answer = self._commit(self.items[session.parent], session.name, session.behavior, bytes(session.received))
        if answer.status in (200, 201):
            del self.sessions[session.id]
        return answer
