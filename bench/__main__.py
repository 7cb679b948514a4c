"""``python -m bench [--quick] [--out bench/RESULTS.md]``: Blend against stock botbuilder and a
hand-written aiohttp ceiling with the same Teams traffic, on SQLite and PostgreSQL, plus the scale
figures; writes a Markdown report. Loopback only; a full run takes a few minutes."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

from . import load, report, scale
from .connector_stub import ConnectorStub
from .servers import DEFAULT_POSTGRES_URL, Server, database, rss_mb

BOTS = ("blend", "stock", "ceiling")
CONCURRENCY = (1, 16, 64)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny counts (a smoke run of a few seconds)")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "RESULTS.md", help="report file")
    parser.add_argument("--databases", default="sqlite,postgres", help="comma-separated: sqlite, postgres")
    parser.add_argument("--no-scale", action="store_true", help="skip the scale figures")
    parser.add_argument("--requests", type=int, default=None, help="requests per kind and concurrency level")
    parser.add_argument("--seconds", type=float, default=None, help="time cap per kind and concurrency level")
    return parser.parse_args(argv)


async def bench_bot(name: str, url: str, workdir: Path, stub: ConnectorStub, requests: dict[int, int],
                    max_seconds: float, warmup: int) -> dict:
    server = Server(name, url, workdir)
    await server.start()
    try:
        connector = aiohttp.TCPConnector(limit=0)
        async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=60)) as session:
            targets = load.Targets(stub.service_url)
            if name == "blend":
                await load.prepare_blend(session, server, stub, targets)
            for kind in load.KINDS:  # warm up every path once over, then measure RSS
                await load.run_level(session, server, lambda k=kind: targets.activity(k), kind, 4, warmup, 30)
            rss = rss_mb(server.pid)
            levels = []
            for kind in load.KINDS:
                for concurrency in CONCURRENCY:
                    level = await load.run_level(session, server, lambda k=kind: targets.activity(k), kind,
                                                 concurrency, requests[concurrency], max_seconds)
                    levels.append(level)
                    print(f"bench:   {kind:8} c={concurrency:<3} {level.throughput:8.1f} req/s  p99 "
                          f"{level.percentile(99):7.1f} ms  CPU {level.cpu_ms_per_request:5.2f} ms/req  "
                          f"errors {level.errors}", file=sys.stderr, flush=True)
            rss_end = rss_mb(server.pid)
    finally:
        await server.stop()
    first_start = server.startup_s
    await server.start()  # a restart on the database the first start created (and migrated)
    await server.stop()
    return {"startup_s": first_start, "restart_s": server.startup_s, "rss_mb": rss, "rss_end_mb": rss_end,
            "levels": levels}


async def run(args: argparse.Namespace) -> Path:
    quick = args.quick
    requests = {c: args.requests for c in CONCURRENCY} if args.requests else (
        {1: 5, 16: 16, 64: 64} if quick else {1: 150, 16: 400, 64: 800})
    max_seconds = args.seconds or 3.0
    warmup = 2 if quick else 30
    postgres_url = os.environ.get("BLEND_BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL)
    began = time.perf_counter()
    results: dict[str, dict] = {}
    notes: list[str] = []
    stub = ConnectorStub()
    await stub.start()
    try:
        with tempfile.TemporaryDirectory(prefix="blend-bench-") as tmp:
            workdir = Path(tmp)
            for db in [d.strip() for d in args.databases.split(",") if d.strip()]:
                results[db] = {}
                for name in BOTS:
                    try:
                        async with database(db, workdir, postgres_url) as url:
                            print(f"bench: {name} on {db} ...", file=sys.stderr, flush=True)
                            results[db][name] = await bench_bot(name, url, workdir, stub, requests, max_seconds, warmup)
                    except OSError as error:  # PostgreSQL not reachable: say so, measure the rest
                        notes.append(f"{db}: {name} not measured: {type(error).__name__}: {error}")
                        print(f"bench: {notes[-1]}", file=sys.stderr)
                        break
        figures = None
        if not args.no_scale:
            print("bench: scale figures ...", file=sys.stderr, flush=True)
            figures = await scale_figures(quick, [d.strip() for d in args.databases.split(",") if d.strip()],
                                          postgres_url)
    finally:
        await stub.stop()
    text = report.render(results, figures, notes, quick=quick, requests=requests, max_seconds=max_seconds,
                         elapsed_s=time.perf_counter() - began)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    return args.out


async def scale_figures(quick: bool, databases: tuple[str, ...] | list[str] = ("sqlite",),
                        postgres_url: str = DEFAULT_POSTGRES_URL) -> dict:
    from trajectory.kinds.vote import Method

    ballots = 2_000 if quick else 100_000
    tallies = [scale.tally_figure(method, ideas, ballots)
               for method in (Method.APPROVAL, Method.DOTS) for ideas in (1_000, 10_000)]
    tallies.append(scale.tally_figure(Method.APPROVAL, 10_000, ballots, cap_options=False))
    members = 40 if quick else 2_000
    speedup = 20.0 if quick else 10.0
    from settings import Settings

    # The default, the limit itself, and 40 (the default before issue 9's second session) for comparison.
    rates = sorted({40, Settings.send_rate_per_second, 50})
    fanouts = [await scale.fanout_figure(members, rate, speedup) for rate in rates]
    # Step files and the final report at 1,000 and 10,000 ideas (issue 9: < 5 s at 10,000).
    filings = []
    with tempfile.TemporaryDirectory(prefix="blend-bench-files-") as tmp:
        for db in databases:
            for ideas in ((200,) if quick else (1_000, 10_000)):
                try:
                    async with database(db, Path(tmp), postgres_url) as url:
                        filings.append(await scale.filing_figure(url, f"{tmp}/outbox-{db}-{ideas}", ideas,
                                                                 20 if quick else 500))
                except OSError as error:  # PostgreSQL not reachable
                    print(f"bench: {db}: filing not measured: {error}", file=sys.stderr)
                    break
    return {"tallies": tallies, "fanouts": fanouts, "filings": filings}


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    out = asyncio.run(run(args))
    print(f"bench: wrote {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
