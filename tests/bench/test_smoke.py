"""A quick run of the benchmark harness (tiny counts, SQLite only) so it cannot rot. It checks the
report's shape, never a timing."""

from __future__ import annotations

from bench.__main__ import parse_args, run


async def test_the_harness_measures_all_three_bots_and_writes_a_report(tmp_path):
    out = tmp_path / "RESULTS.md"
    args = parse_args(["--quick", "--databases", "sqlite", "--requests", "3", "--seconds", "2", "--out", str(out)])
    assert await run(args) == out
    report = out.read_text()
    assert report.startswith("# Blend benchmark results")
    for part in ("## Targets (issue 9)", "### SQLite", "| blend |", "| stock |", "| ceiling |",
                 "CPU ms/req", "start-up to healthy /healthz", "RSS after warm-up",
                 "### Vote tally and results card", "### Reminder fan-out", "step files and report"):
        assert part in report, part
    for kind in ("message", "idea", "vote", "refresh"):
        for concurrency in (1, 16, 64):
            assert f"| {kind} | {concurrency} |" in report, (kind, concurrency)
    # Every request got a 2xx: the errors column of Blend's rows is all zero.
    rows = [line.split("|") for line in report.splitlines() if line.startswith(("| message |", "| idea |",
                                                                              "| vote |", "| refresh |"))]
    assert rows and all(row[6].strip() == "0" for row in rows), rows
