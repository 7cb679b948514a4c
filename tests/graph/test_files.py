"""GraphFileStore through msgraph-sdk (real middleware, a bearer token) and a plain HTTP client for
the upload sessions, against the Graph double's Files: every request is checked there."""

from __future__ import annotations

import httpx
import pytest

from graph.files import CHUNK_UNIT, GraphFileStore
from trajectory.files import XLSX, FiledFile, FilingError, FilingFailure, OutputFile
from trajectory.model import ChannelRef

TEAM = "6f1c4e2a-0000-4000-8000-000000000001"  # the team's Microsoft 365 group id
CHANNEL = ChannelRef(tenant_id="tenant-1", team_id="19:team@thread.tacv2", channel_id="19:general@thread.tacv2")
FOLDER = "Our first trajectory"
TOKEN = "token-for-the-double"


def xlsx(name: str = "1 Ideas.xlsx", size: int = 1000, fill: bytes = b"i") -> OutputFile:
    return OutputFile(name=name, content=(fill * size)[:size], content_type=XLSX)


class StaticToken:
    """An AccessTokenProvider: the token azure-identity would give, without Entra."""

    async def get_authorization_token(self, uri, additional_authentication_context=None) -> str:
        return TOKEN

    def get_allowed_hosts_validator(self):
        from kiota_abstractions.authentication import AllowedHostsValidator

        return AllowedHostsValidator([])


@pytest.fixture
async def graph(double):
    """A GraphServiceClient that sends a bearer token, and a token-less client for upload URLs."""
    from kiota_abstractions.authentication import BaseBearerTokenAuthenticationProvider
    from msgraph import GraphRequestAdapter, GraphServiceClient
    from msgraph_core import GraphClientFactory

    double.files.token = TOKEN
    http = GraphClientFactory.create_with_default_middleware(client=httpx.AsyncClient(trust_env=False))
    adapter = GraphRequestAdapter(BaseBearerTokenAuthenticationProvider(StaticToken()), client=http)
    adapter.base_url = double.base_url
    uploads = httpx.AsyncClient(trust_env=False)
    yield GraphServiceClient(request_adapter=adapter), uploads
    await uploads.aclose()
    await http.aclose()


@pytest.fixture
def waits() -> list[float]:
    return []


@pytest.fixture
def store(graph, waits):
    async def sleep(seconds: float) -> None:
        waits.append(seconds)  # no real waiting in tests: the Retry-After asked for is recorded

    def make(**options) -> GraphFileStore:
        client, uploads = graph
        return GraphFileStore(client, uploads, sleep=sleep, **options)

    return make


@pytest.fixture
def channel_folder(double):
    return double.files.add_channel(TEAM, CHANNEL.channel_id)


async def test_a_small_file_goes_up_in_one_put_into_a_new_folder_of_the_channels_files(
    store, double, channel_folder
):
    filed = await store().file(CHANNEL, TEAM, FOLDER, xlsx())

    [lookup] = double.calls("GET", "/filesFolder")
    assert lookup.path == f"/v1.0/teams/{TEAM}/channels/{CHANNEL.channel_id}/filesFolder"
    [create] = double.calls("POST", "/children")
    assert create.path == f"/v1.0/drives/{channel_folder.drive}/items/{channel_folder.id}/children"
    assert {k: v for k, v in create.body.items() if k != "@odata.type"} == {
        "name": FOLDER,
        "folder": {},
        "@microsoft.graph.conflictBehavior": "fail",
    }
    folder = double.files.child(channel_folder, FOLDER)
    [put] = double.calls("PUT", "/content")
    assert put.path == f"/v1.0/drives/{channel_folder.drive}/items/{folder.id}:/1 Ideas.xlsx:/content"
    assert put.query == {"@microsoft.graph.conflictBehavior": "fail"}
    assert put.headers["Authorization"] == f"Bearer {TOKEN}"
    assert not double.calls("POST", "/createUploadSession")

    [item] = double.files.children(folder)
    assert item.content == xlsx().content
    assert filed == FiledFile(name="1 Ideas.xlsx", item_id=item.id, web_url=double.files.web_url(item))
    assert filed.web_url.endswith("/General/Our%20first%20trajectory/1%20Ideas.xlsx")


async def test_the_folder_and_files_folder_are_looked_up_once_per_channel(store, double, channel_folder):
    files = store()
    await files.file(CHANNEL, TEAM, FOLDER, xlsx("1 Ideas.xlsx"))
    await files.file(CHANNEL, TEAM, FOLDER, xlsx("2 Vote.xlsx"))

    assert len(double.calls("GET", "/filesFolder")) == 1 and len(double.calls("POST", "/children")) == 1
    folder = double.files.child(channel_folder, FOLDER)
    assert sorted(i.name for i in double.files.children(folder)) == ["1 Ideas.xlsx", "2 Vote.xlsx"]


async def test_two_instances_filing_at_once_share_one_folder(graph, double, channel_folder):
    """Each store is another Blend instance: both POST the folder, one gets 409 and looks it up."""
    import asyncio

    first, second = GraphFileStore(*graph), GraphFileStore(*graph)
    await asyncio.gather(
        first.file(CHANNEL, TEAM, FOLDER, xlsx("1 Ideas.xlsx")),
        second.file(CHANNEL, TEAM, FOLDER, xlsx("2 Vote.xlsx")),
    )

    [folder] = double.files.children(channel_folder)
    assert sorted(i.name for i in double.files.children(folder)) == ["1 Ideas.xlsx", "2 Vote.xlsx"]
    assert len(double.calls("POST", "/children")) == 2 and len(double.calls("GET", f":/{FOLDER}")) == 1


async def test_an_existing_folder_of_that_name_is_used(store, double, channel_folder):
    """Another instance (or a person) made the folder first: the 409 leads to a lookup by path."""
    existing = double.files.add_channel("other", "other")  # an unrelated channel stays untouched
    folder = double.files._add(type(existing)("01MINE", FOLDER, channel_folder.id, channel_folder.drive, True))

    filed = await store().file(CHANNEL, TEAM, FOLDER, xlsx())

    [lookup] = double.calls("GET", f":/{FOLDER}")
    assert lookup.path == f"/v1.0/drives/{channel_folder.drive}/items/{channel_folder.id}:/{FOLDER}"
    assert [i.id for i in double.files.children(folder)] == [filed.item_id]
    assert len(double.files.children(channel_folder)) == 1


async def test_a_file_above_the_threshold_goes_up_in_an_upload_session_in_320_kib_chunks(
    store, double, channel_folder
):
    document = xlsx("5 Report.docx", size=700 * 1024, fill=bytes(range(256)))
    filed = await store(simple_limit=400 * 1024, chunk_size=CHUNK_UNIT).file(CHANNEL, TEAM, FOLDER, document)

    [create] = double.calls("POST", "/createUploadSession")
    folder = double.files.child(channel_folder, FOLDER)
    assert create.path == f"/v1.0/drives/{channel_folder.drive}/items/{folder.id}:/5 Report.docx:/createUploadSession"
    assert create.body["item"]["@microsoft.graph.conflictBehavior"] == "fail"
    assert create.body["item"]["name"] == "5 Report.docx"
    assert create.headers["Authorization"] == f"Bearer {TOKEN}"
    assert not double.calls("PUT", "/content")

    chunks = double.calls("PUT", "/upload/session-1")
    assert [c.headers["Content-Range"] for c in chunks] == [
        "bytes 0-327679/716800",
        "bytes 327680-655359/716800",
        "bytes 655360-716799/716800",
    ]
    assert all("Authorization" not in c.headers for c in chunks)  # the double checks it too
    [item] = double.files.children(folder)
    assert item.content == document.content
    assert filed == FiledFile(name="5 Report.docx", item_id=item.id, web_url=double.files.web_url(item))


async def test_with_the_defaults_4_mib_goes_in_one_put_and_more_in_a_session(store, double, channel_folder):
    files = store()
    await files.file(CHANNEL, TEAM, FOLDER, xlsx("exactly.xlsx", size=4 * 1024 * 1024))
    filed = await files.file(CHANNEL, TEAM, FOLDER, xlsx("more.xlsx", size=4 * 1024 * 1024 + 1))

    assert len(double.calls("PUT", ":/content")) == 1
    assert [c.headers["Content-Range"] for c in double.calls("PUT", "/upload/session-1")] == [
        "bytes 0-3276799/4194305",  # 10 x 320 KiB
        "bytes 3276800-4194304/4194305",
    ]
    assert len(double.files.items[filed.item_id].content) == 4 * 1024 * 1024 + 1


async def test_the_default_chunk_is_a_multiple_of_320_kib_and_a_wrong_one_is_refused(graph):
    from graph.files import DEFAULT_CHUNK, SIMPLE_UPLOAD_LIMIT

    assert DEFAULT_CHUNK % 327_680 == 0 and SIMPLE_UPLOAD_LIMIT == 4 * 1024 * 1024
    with pytest.raises(ValueError):
        GraphFileStore(*graph, chunk_size=300 * 1024)


async def test_a_throttled_simple_upload_is_retried_after_the_time_graph_asks(store, double, channel_folder, waits):
    double.script("PUT", ":/content", 429, headers={"Retry-After": "7"}, code="activityLimitReached")

    filed = await store().file(CHANNEL, TEAM, FOLDER, xlsx())

    assert len(double.calls("PUT", ":/content")) == 2  # the SDK alone would not resend a stream
    assert waits == [7.0]
    assert double.files.items[filed.item_id].content == xlsx().content


async def test_retry_after_is_capped_and_the_attempts_are_bounded(store, double, channel_folder, waits):
    double.script("PUT", ":/content", 503, times=None, headers={"Retry-After": "3600"})

    with pytest.raises(FilingError) as raised:
        await store(attempts=3, max_wait=30).file(CHANNEL, TEAM, FOLDER, xlsx())

    assert raised.value.failure is FilingFailure.THROTTLED
    assert len(double.calls("PUT", ":/content")) == 3 and waits == [30.0, 30.0]


async def test_a_throttled_chunk_is_resumed_where_graph_says(store, double, channel_folder, waits):
    double.script("PUT", "/upload/session-1", 429, headers={"Retry-After": "2"})
    document = xlsx("big.xlsx", size=3 * CHUNK_UNIT + 5)

    filed = await store(simple_limit=CHUNK_UNIT, chunk_size=CHUNK_UNIT).file(CHANNEL, TEAM, FOLDER, document)

    assert waits == [2.0]
    assert len(double.calls("GET", "/upload/session-1")) == 1  # nextExpectedRanges asked after the failure
    assert double.files.items[filed.item_id].content == document.content


async def test_a_chunk_whose_answer_was_lost_is_not_sent_twice(store, double, channel_folder, waits):
    """Graph stored the chunk but the answer never came: the status says where to go on."""
    double.script("PUT", "/upload/session-1", 503, after=True)
    document = xlsx("big.xlsx", size=3 * CHUNK_UNIT)

    filed = await store(simple_limit=CHUNK_UNIT, chunk_size=CHUNK_UNIT).file(CHANNEL, TEAM, FOLDER, document)

    ranges = [c.headers["Content-Range"] for c in double.calls("PUT", "/upload/session-1")]
    assert ranges == [
        "bytes 0-327679/983040",
        "bytes 327680-655359/983040",
        "bytes 655360-983039/983040",
    ]
    assert waits == [1.0]  # no Retry-After: a short backoff
    assert double.files.items[filed.item_id].content == document.content


async def test_a_rerun_replaces_our_own_file_by_its_id(store, double, channel_folder):
    files = store()
    first = await files.file(CHANNEL, TEAM, FOLDER, xlsx(fill=b"1"))

    again = await files.file(CHANNEL, TEAM, FOLDER, xlsx(fill=b"2"), replaces=first)

    assert again == first
    [replace] = double.calls("PUT", f"/items/{first.item_id}/content")
    assert replace.query == {}
    assert double.files.items[first.item_id].content == xlsx(fill=b"2").content
    assert len(double.files.children(double.files.child(channel_folder, FOLDER))) == 1


async def test_a_large_rerun_replaces_our_file_through_an_upload_session_on_it(store, double, channel_folder):
    files = store(simple_limit=CHUNK_UNIT, chunk_size=CHUNK_UNIT)
    first = await files.file(CHANNEL, TEAM, FOLDER, xlsx(size=100))

    again = await files.file(CHANNEL, TEAM, FOLDER, xlsx(size=2 * CHUNK_UNIT, fill=b"2"), replaces=first)

    [create] = double.calls("POST", "/createUploadSession")
    assert create.path == f"/v1.0/drives/{channel_folder.drive}/items/{first.item_id}/createUploadSession"
    assert again.item_id == first.item_id
    assert double.files.items[first.item_id].content == xlsx(size=2 * CHUNK_UNIT, fill=b"2").content


async def test_a_persons_file_of_the_same_name_is_never_overwritten(store, double, channel_folder):
    folder = double.files._add(type(channel_folder)("01MINE", FOLDER, channel_folder.id, channel_folder.drive, True))
    theirs = double.files.add_file(folder, "1 Ideas.xlsx", b"my own notes")

    filed = await store().file(CHANNEL, TEAM, FOLDER, xlsx())

    assert [c.query for c in double.calls("PUT", ":/content")] == [
        {"@microsoft.graph.conflictBehavior": "fail"},
        {"@microsoft.graph.conflictBehavior": "rename"},
    ]
    assert theirs.content == b"my own notes"
    assert filed.name == "1 Ideas 1.xlsx" and filed.item_id != theirs.id


async def test_a_large_file_meeting_a_persons_file_is_renamed_too(store, double, channel_folder):
    folder = double.files._add(type(channel_folder)("01MINE", FOLDER, channel_folder.id, channel_folder.drive, True))
    theirs = double.files.add_file(folder, "big.xlsx", b"mine")

    filed = await store(simple_limit=CHUNK_UNIT, chunk_size=CHUNK_UNIT).file(
        CHANNEL, TEAM, FOLDER, xlsx("big.xlsx", size=CHUNK_UNIT + 1)
    )

    sessions = double.calls("POST", "/createUploadSession")
    behaviors = [c.body["item"]["@microsoft.graph.conflictBehavior"] for c in sessions]
    assert behaviors == ["fail", "rename"]
    assert double.files.cancelled == ["session-1"]  # the refused session is cleaned up at once
    assert theirs.content == b"mine" and filed.name == "big 1.xlsx"


async def test_when_our_filed_file_was_deleted_a_rerun_files_it_anew(store, double, channel_folder):
    files = store()
    first = await files.file(CHANNEL, TEAM, FOLDER, xlsx())
    del double.files.items[first.item_id]

    again = await files.file(CHANNEL, TEAM, FOLDER, xlsx(fill=b"2"), replaces=first)

    assert again.item_id != first.item_id and again.name == "1 Ideas.xlsx"


async def test_an_expired_upload_session_is_not_mistaken_for_a_deleted_file(store, double, channel_folder):
    files = store(simple_limit=CHUNK_UNIT, chunk_size=CHUNK_UNIT)
    first = await files.file(CHANNEL, TEAM, FOLDER, xlsx(size=100))
    double.script("PUT", "/upload/session-1", 404, code="itemNotFound")

    with pytest.raises(FilingError) as raised:
        await files.file(CHANNEL, TEAM, FOLDER, xlsx(size=CHUNK_UNIT + 1), replaces=first)

    assert raised.value.failure is FilingFailure.UNKNOWN
    assert len(double.files.children(double.files.child(channel_folder, FOLDER))) == 1  # no copy filed


async def test_a_file_filed_in_the_local_outbox_is_not_sent_to_graph_as_an_item_id(store, double, channel_folder):
    path = "/srv/outbox/files/T/1 Ideas.xlsx"
    files = store()
    for local in (FiledFile("1 Ideas.xlsx", item_id=path, path=path), FiledFile("1 Ideas.xlsx", item_id=path)):
        filed = await files.file(CHANNEL, TEAM, FOLDER, xlsx(), replaces=local)  # as stored: without path
        assert not double.calls("PUT", "/T/1 Ideas.xlsx/content")
    assert filed.name == "1 Ideas 1.xlsx"  # the second is filed anew beside the first, never over it


async def test_when_the_folder_was_deleted_it_is_made_again(store, double, channel_folder):
    files = store()
    first = await files.file(CHANNEL, TEAM, FOLDER, xlsx())
    folder = double.files.child(channel_folder, FOLDER)
    for item in [folder, *double.files.children(folder)]:
        del double.files.items[item.id]

    again = await files.file(CHANNEL, TEAM, FOLDER, xlsx("2 Vote.xlsx"))

    assert again.item_id != first.item_id
    assert double.files.child(double.files.child(channel_folder, FOLDER), "2 Vote.xlsx") is not None


async def test_names_can_not_address_another_folder(store, double, channel_folder):
    filed = await store().file(CHANNEL, TEAM, "../Secrets: yes", xlsx("a/b?.xlsx"))

    folder = double.files.child(channel_folder, "_Secrets_ yes")
    assert folder is not None and filed.name == "a_b_.xlsx"


@pytest.mark.parametrize(
    ("status", "failure"),
    [
        (401, FilingFailure.CONSENT),
        (403, FilingFailure.CONSENT),
        (404, FilingFailure.NOT_FOUND),
        (400, FilingFailure.INVALID),
        (500, FilingFailure.UNKNOWN),
    ],
)
async def test_graph_failures_become_filing_errors(store, double, channel_folder, status, failure):
    double.script("GET", "/filesFolder", status, times=None)

    with pytest.raises(FilingError) as raised:
        await store().file(CHANNEL, TEAM, FOLDER, xlsx())

    assert raised.value.failure is failure and str(status) in raised.value.detail


async def test_an_unknown_channel_is_not_found(store, double):
    with pytest.raises(FilingError) as raised:
        await store().file(CHANNEL, TEAM, FOLDER, xlsx())
    assert raised.value.failure is FilingFailure.NOT_FOUND


async def test_a_refused_chunk_ends_the_session_with_a_filing_error(store, double, channel_folder):
    double.script("PUT", "/upload/session-1", 413, code="fileTooLarge")

    with pytest.raises(FilingError) as raised:
        await store(simple_limit=CHUNK_UNIT, chunk_size=CHUNK_UNIT).file(
            CHANNEL, TEAM, FOLDER, xlsx(size=CHUNK_UNIT + 1)
        )

    assert raised.value.failure is FilingFailure.INVALID and "fileTooLarge" in raised.value.detail
    assert double.files.cancelled == ["session-1"]


async def test_without_the_group_id_nothing_is_asked(store, double):
    with pytest.raises(FilingError) as raised:
        await store().file(CHANNEL, CHANNEL.team_id, FOLDER, xlsx())
    assert raised.value.failure is FilingFailure.INVALID and not double.requests


async def test_a_graph_that_does_not_answer_times_out(store, double, channel_folder):
    double.script("GET", "/filesFolder", 200, delay=1)

    with pytest.raises(FilingError) as raised:
        await store(timeout=0.2).file(CHANNEL, TEAM, FOLDER, xlsx())
    assert raised.value.failure is FilingFailure.TIMEOUT
