"""The Markdown report: machine and date, per-database tables of Blend against both references,
start-up and memory, the issue's targets met or not, and the scale figures."""

from __future__ import annotations

import os
import platform
import sys
from datetime import datetime, timezone
from importlib import metadata

from settings import Settings

from .load import KIND_LABELS, KINDS, Level

CARD_KINDS = ("idea", "vote")


def machine() -> str:
    model = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            model = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), model)
    except OSError:
        pass
    versions = ", ".join(f"{p} {_version(p)}" for p in ("botbuilder-core", "msrest", "aiohttp", "SQLAlchemy"))
    return (f"{os.cpu_count()} CPUs ({model}), Python {platform.python_version()} on {platform.system()} "
            f"{platform.release()}; {versions}")


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "?"


def _by_key(result: dict) -> dict[tuple[str, int], Level]:
    return {(level.kind, level.concurrency): level for level in result["levels"]}


def _ratio(a: float, b: float) -> float:
    return a / b if b else float("nan")


def _db_section(db: str, bots: dict) -> list[str]:
    lines = [f"### {'SQLite' if db == 'sqlite' else 'PostgreSQL'}", ""]
    if "blend" not in bots:
        return lines + ["Not measured (see the notes).", ""]
    blend = _by_key(bots["blend"])
    stock = _by_key(bots["stock"]) if "stock" in bots else {}
    ceiling = _by_key(bots["ceiling"]) if "ceiling" in bots else {}
    lines += ["| traffic | conc. | Blend req/s | p50 / p95 / p99 ms | CPU ms/req | errors "
              "| stock req/s (p99, CPU) | ceiling req/s (p99, CPU) | × stock | × ceiling |",
              "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for key, level in blend.items():
        s, c = stock.get(key), ceiling.get(key)

        def ref(other: Level | None) -> str:
            if other is None:
                return "–"
            bad = f", {other.errors} errors" if other.errors else ""
            return f"{other.throughput:,.0f} ({other.percentile(99):.0f} ms, {other.cpu_ms_per_request:.2f}{bad})"

        lines.append(
            f"| {key[0]} | {key[1]} | {level.throughput:,.0f} | {level.percentile(50):.1f} / "
            f"{level.percentile(95):.1f} / {level.percentile(99):.1f} | {level.cpu_ms_per_request:.2f} | "
            f"{level.errors} | {ref(s)} | {ref(c)} | "
            f"{_ratio(level.throughput, s.throughput) if s else float('nan'):.2f} | "
            f"{_ratio(level.throughput, c.throughput) if c else float('nan'):.2f} |")
    lines += ["", "| bot | start-up to healthy /healthz: first (fresh database) / restart | RSS after warm-up "
              "| RSS at the end |", "|---|---:|---:|---:|"]
    for name, result in bots.items():
        lines.append(f"| {name} | {result['startup_s']:.2f} s / {result['restart_s']:.2f} s | "
                     f"{result['rss_mb']:.0f} MB | {result['rss_end_mb']:.0f} MB |")
    return lines + [""]


def _verdict(ok: bool | None) -> str:
    return "–" if ok is None else ("**met**" if ok else "**not met**")


def targets(results: dict, figures: dict | None) -> list[str]:
    rows: list[tuple[str, str, bool | None]] = []
    for db, bots in results.items():
        if not {"blend", "stock", "ceiling"} <= set(bots):
            continue
        blend, stock, ceiling = (_by_key(bots[n]) for n in ("blend", "stock", "ceiling"))
        for kind in CARD_KINDS:
            vs_stock = min(_ratio(blend[(kind, c)].throughput, stock[(kind, c)].throughput) for c in (16, 64))
            vs_ceiling = min(_ratio(blend[(kind, c)].throughput, ceiling[(kind, c)].throughput) for c in (16, 64))
            p99 = blend[(kind, 16)].percentile(99)
            rows.append((f"{db}: {kind} ≥ 5× stock (worst of conc. 16/64)", f"{vs_stock:.2f}×", vs_stock >= 5))
            rows.append((f"{db}: {kind} ≥ 0.6× ceiling (worst of conc. 16/64)", f"{vs_ceiling:.2f}×", vs_ceiling >= 0.6))
            rows.append((f"{db}: {kind} p99 < 100 ms at conc. 16", f"{p99:.1f} ms", p99 < 100))
        message = min(_ratio(blend[("message", c)].throughput, stock[("message", c)].throughput) for c in (16, 64))
        rows.append((f"{db}: channel message ≥ 4× stock (worst of conc. 16/64)", f"{message:.2f}×", message >= 4))
        startup, restart, rss = (bots["blend"][k] for k in ("startup_s", "restart_s", "rss_mb"))
        rows.append((f"{db}: start-up < 1.5 s (first start, migrating a fresh database)", f"{startup:.2f} s",
                     startup < 1.5))
        rows.append((f"{db}: start-up < 1.5 s (restart)", f"{restart:.2f} s", restart < 1.5))
        rows.append((f"{db}: RSS after warm-up < 150 MB", f"{rss:.0f} MB", rss < 150))
    if figures:
        worst = max((f for f in figures["tallies"] if f.card_bytes), key=lambda f: f.total_s)
        rows.append((f"tally + results card, {worst.ballots:,} ballots (worst case)", f"{worst.total_s:.3f} s",
                     worst.total_s < 1 if worst.ballots >= 100_000 else None))
        for fan in figures["fanouts"]:
            default = fan.rate_per_second == Settings.send_rate_per_second
            # The target is Blend's default rate; other rates are measured for comparison only.
            setting = f"BLEND_SEND_RATE_PER_SECOND={fan.rate_per_second}" + (
                " (default)" if default else ", for comparison")
            rows.append((f"reminder fan-out to {fan.members:,} with {setting} ≤ 1.1× minimum",
                         f"{fan.ratio:.2f}× ({fan.throttled} × 429)",
                         fan.ratio <= 1.1 and fan.failed == 0 if default else None))
        for fil in figures.get("filings", []):
            if fil.ideas == max(f.ideas for f in figures["filings"]):
                rows.append((f"{fil.database}: step files and report for {fil.ideas:,} ideas < 5 s",
                             f"{fil.total_s:.2f} s", fil.total_s < 5 if fil.ideas >= 10_000 else None))
    else:
        rows.append(("step files and report for 10,000 ideas < 5 s", "not measured (--no-scale)", None))
    return ["| target | measured | verdict |", "|---|---:|---|"] + [
        f"| {name} | {value} | {_verdict(ok)} |" for name, value, ok in rows]


def _scale(figures: dict) -> list[str]:
    lines = ["### Vote tally and results card (domain functions, generated ballots)", "",
             "| method | ideas | options on the ballot | ballots | freeze + tally | results card | card size |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for f in figures["tallies"]:
        card = f"{1000 * f.card_s:.1f} ms" if f.card_bytes else "not rendered"
        size = f"{f.card_bytes / 1024:.1f} KB" if f.card_bytes else "–"
        lines.append(f"| {f.method} | {f.ideas:,} | {f.options:,} | {f.ballots:,} | {1000 * f.tally_s:.0f} ms | {card} | {size} |")
    lines += ["", "### Reminder fan-out (Sender against a stub enforcing Teams' limits)", "",
              "| members | connector requests | Blend's rate setting | time | minimum the limits allow | ratio | 429s | failed |",
              "|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for fan in figures["fanouts"]:
        lines.append(f"| {fan.members:,} | {2 * fan.members:,} | {fan.rate_per_second}/s | {fan.seconds:.1f} s | "
                     f"{fan.minimum_s:.1f} s | {fan.ratio:.2f}× | {fan.throttled} | {fan.failed} |")
    if figures.get("filings"):
        lines += ["", "### Step files and final report (dialogs/filing.py on a migrated database, outbox file store)", "",
                  "| database | ideas | ballots | evaluation responses | 3 step files | report | total | sizes (ideas, vote, evaluation, report) |",
                  "|---|---:|---:|---:|---:|---:|---:|---|"]
        for fil in figures["filings"]:
            sizes = ", ".join(f"{kb:.0f} KB" for kb in fil.sizes_kb)
            lines.append(f"| {fil.database} | {fil.ideas:,} | {fil.ballots:,} | {fil.responses:,} | "
                         f"{fil.step_files_s:.2f} s | {fil.report_s:.2f} s | {fil.total_s:.2f} s | {sizes} |")
        lines += ["", "A closed trajectory (ideas → dot vote → evaluation); the ideas are stored directly (a step "
                  "takes at most 500 through the cards). Step files: `file_step` per step (the outputs/ builder "
                  "reading the database, the file written); report: `file_report` (gathering from the database, "
                  "the .docx with its charts, written). Wall time in the bench process."]
    speedup = figures["fanouts"][0].speedup if figures["fanouts"] else 1
    lines += ["", f"Fan-out times are in Teams time: the stub's windows and the Sender's clock run {speedup:g}× "
              "faster than the wall clock, so the run takes a tenth of the time; the ratio to the minimum "
              "does not depend on the speed-up (overheads only make it worse). Each member costs two "
              "connector requests (open the 1:1 chat, post the card), 8 in flight as in dialogs/jobs.py; "
              "the binding limit is the tenant's 50 requests per second.", ""]
    return lines


def render(results: dict, figures: dict | None, notes: list[str], *, quick: bool, requests: dict[int, int],
           max_seconds: float, elapsed_s: float) -> str:
    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Blend benchmark results" + (" (quick smoke run: counts too small to mean anything)" if quick else ""),
        "",
        f"- Date: {now}; run took {elapsed_s:.0f} s (`{' '.join(['python', '-m', 'bench', *sys.argv[1:]])}`)",
        f"- Machine: {machine()}",
        f"- Load: an aiohttp client in the bench process, a fresh member per request; per kind and "
        f"concurrency {', '.join(f'{c}: {n} requests' for c, n in requests.items())} (or {max_seconds:g} s, "
        "whichever comes first), after a warm-up. CPU per request is the server process's user + system time "
        "(/proc/<pid>/stat) over the level divided by its requests. Replies and card updates go to a loopback "
        "connector stub in the bench process.",
        "- Bots: **blend** = `python app.py` in local mode; **stock** = bench/reference_stock.py (stock "
        "CloudAdapter + ActivityHandler, no fixes); **ceiling** = bench/reference_ceiling.py (hand-written "
        "aiohttp, shared aiohttp client). Each gets a fresh database. The references store a submission or vote "
        "(one insert) and answer every card action with the card Blend shows, drawn by Blend's own renderer "
        "from the count and a page of their stored entries (8 for a vote, as the bench's vote has 8 options); "
        "a message reads the count and answers a sentence (bench/reference_common.py). Blend runs its real "
        "steps (an idea step and an approval vote of the brainstorm template), so its idea and vote cards "
        "grow with the ideas and ballots added during the run, as the references' cards do.",
        "",
        "## Traffic", "",
        *[f"- **{kind}**: {KIND_LABELS[kind]}" for kind in KINDS],
        "",
        "## Targets (issue 9)", "",
        *targets(results, figures),
        "",
        "## Throughput, latency and CPU", "",
    ]
    for db, bots in results.items():
        lines += _db_section(db, bots)
    if figures:
        lines += ["## Scale figures", ""] + _scale(figures)
    if notes:
        lines += ["## Notes", "", *[f"- {note}" for note in notes], ""]
    return "\n".join(lines)
