"""The direct path reads Teams' plain timestamps without msrest (bot/activity.py `_plain_timestamp`);
it must never accept one that msrest's ``Activity().deserialize`` would refuse."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from msrest.serialization import Deserializer

from bot.activity import _plain_timestamp, is_valid_activity

DESERIALIZER = Deserializer()


def msrest_reads(text: str) -> bool:
    try:
        DESERIALIZER.deserialize_data(text, "iso-8601")
    except Exception:  # noqa: BLE001 - msrest's and isodate's own errors alike
        return False
    return True


digits = lambda n: st.text("0123456789", min_size=n, max_size=n)  # noqa: E731
stamps = st.builds(
    lambda y, mo, d, h, mi, s, frac, zone: f"{y}-{mo}-{d}T{h}:{mi}:{s}{frac}{zone}",
    digits(4), digits(2), digits(2), digits(2), digits(2), digits(2),
    st.one_of(st.just(""), st.text("0123456789", min_size=1, max_size=8).map(lambda f: "." + f)),
    st.one_of(st.sampled_from(["Z", "z", "", "+00:00", "-00:00", "+01:00", "+14:00", "-12:00"]),
              st.builds(lambda sign, hh, mm: f"{sign}{hh}:{mm}", st.sampled_from("+-"), digits(2), digits(2))),
)


@settings(max_examples=600, deadline=None)
@given(stamps)
def test_a_timestamp_read_without_msrest_is_one_msrest_reads(text):
    if _plain_timestamp(text):
        assert msrest_reads(text), text


@given(st.text(max_size=40))
def test_any_text_read_without_msrest_is_one_msrest_reads(text):
    if _plain_timestamp(text):
        assert msrest_reads(text), text


def test_teams_timestamps_take_the_quick_path_and_odd_ones_still_get_msrests_verdict():
    assert _plain_timestamp("2026-11-25T09:00:00.123Z") and _plain_timestamp("2026-11-25T10:00:00.000+01:00")
    assert not _plain_timestamp("2026-13-25T09:00:00Z") and not msrest_reads("2026-13-25T09:00:00Z")
    body = {"type": "message", "id": "1", "timestamp": "2026-11-25T09:00:00.1234567Z",  # 7 digits: msrest decides
            "conversation": {"id": "c"}}
    assert is_valid_activity(body) is msrest_reads(body["timestamp"])
    assert is_valid_activity({**body, "timestamp": "2026-11-25T09:00:00Z"})
    assert not is_valid_activity({**body, "timestamp": "yesterday"})
