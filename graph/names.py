"""File and folder names that are safe both in SharePoint and on a local disk. The callers already
pass sanitised names; this is the last guard, so a name can never address another folder."""

from __future__ import annotations

import re

# SharePoint refuses " * : < > ? / \ | and control characters; / and \ would also leave the folder.
_FORBIDDEN = re.compile(r'[\x00-\x1f\x7f"*:<>?/\\|]')
MAX_NAME = 200  # SharePoint allows 400 characters for the whole path


def safe_segment(name: str) -> str:
    """One path segment: forbidden characters become "_", no leading/trailing spaces or dots
    (".." can't climb, SharePoint drops a trailing dot), never empty."""
    cleaned = _FORBIDDEN.sub("_", name).strip(" .")
    if len(cleaned) > MAX_NAME:  # shorten the stem, keep the extension
        stem, dot, extension = cleaned.rpartition(".")
        if dot and stem and len(extension) <= 10:
            cleaned = f"{stem[: MAX_NAME - len(extension) - 1].rstrip(' .')}.{extension}"
        else:
            cleaned = cleaned[:MAX_NAME].rstrip(" .")
    return cleaned or "_"
