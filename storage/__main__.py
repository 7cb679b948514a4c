"""``python -m storage [upgrade|revision -m MESSAGE] [--url URL]``: migrations without alembic.ini.

``upgrade`` (the default) brings the database to head; ``revision`` autogenerates a new revision
by comparing storage/models.py with the database at URL (which should be at head).
"""

from __future__ import annotations

import argparse
import asyncio
import os

from alembic import command

from .migrate import alembic_config, migrate_url


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m storage")
    parser.add_argument("action", nargs="?", choices=["upgrade", "revision"], default="upgrade")
    parser.add_argument("--url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("-m", "--message", default="change")
    args = parser.parse_args()
    if not args.url:
        from settings import DEFAULT_DATABASE_URL

        args.url = DEFAULT_DATABASE_URL
    if args.action == "upgrade":
        asyncio.run(migrate_url(args.url))
    else:
        command.revision(alembic_config(args.url), message=args.message, autogenerate=True)

if __name__ == "__main__":
    main()
