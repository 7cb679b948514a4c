"""Build Blend's Teams app package: ``python -m manifest.package --out build/blend-teams-app.zip``.

Fills manifest.template.json from the environment (and .env, which the environment overrides,
as for the bot itself) and zips manifest.json, color.png, outline.png and the translations
(nl.json) at the zip root, the layout Teams expects. See docs/deployment.md for the keys.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tomllib
import zipfile
from pathlib import Path
from typing import Any, Mapping, Sequence

HERE = Path(__file__).parent
TEMPLATE = HERE / "manifest.template.json"
ICONS = ("color.png", "outline.png")
# Translations of the manifest's texts (names, descriptions, the command menu), beside manifest.json.
LANGUAGE_FILES = ("nl.json",)
DEFAULT_OUT = Path("build/blend-teams-app.zip")
DEFAULT_DEVELOPER_NAME = "Blend"

_PLACEHOLDER = re.compile(r"\$\{\{([A-Z0-9_]+)\}\}")
_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_HOST = re.compile(rf"^{_LABEL}(?:\.{_LABEL})+$")
_SEMVER = re.compile(r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$")  # Teams takes x.y.z only
# Zip entries get a fixed timestamp so the same configuration gives a byte-identical package.
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


class ConfigError(Exception):
    """The configuration can't make a valid package; the message says which key to fix."""


def _public_host(raw: str) -> str:
    host = raw.strip().lower()
    if not host:
        raise ConfigError(
            "BLEND_PUBLIC_HOST is not set: the public HTTPS host name that serves /api/messages, "
            "e.g. BLEND_PUBLIC_HOST=blend.example.com"
        )
    # Tolerate a pasted URL, but only an https one: Teams talks to bots over HTTPS only.
    host = host.removeprefix("https://").rstrip("/")
    if not _HOST.match(host):
        raise ConfigError(f"BLEND_PUBLIC_HOST must be a host name like blend.example.com (no http://, port or path), got {raw!r}")
    return host


def _https_url(key: str, value: str) -> str:
    if not value.startswith("https://") or len(value) > 2048:
        raise ConfigError(f"{key} must be an https:// URL, got {value!r}")
    return value


def project_version() -> str:
    with (HERE.parent / "pyproject.toml").open("rb") as f:
        return tomllib.load(f)["project"]["version"]


def package_values(env: Mapping[str, str]) -> dict[str, str]:
    """The template's placeholders, from configuration; raises ConfigError with a clear reason."""
    app_id = env.get("APP_ID", "").strip()
    if not app_id:
        raise ConfigError(
            "APP_ID is not set: it is the bot's Microsoft Entra application (client) id from the "
            "Azure Bot registration. Set it in the environment or in .env."
        )
    if not _GUID.match(app_id):
        raise ConfigError(f"APP_ID must be a GUID (the Entra application id), got {app_id!r}")
    host = _public_host(env.get("BLEND_PUBLIC_HOST", ""))
    version = env.get("BLEND_APP_VERSION", "").strip() or project_version()
    if not _SEMVER.match(version):
        raise ConfigError(f"BLEND_APP_VERSION must look like 1.2.3, got {version!r}")
    name = env.get("BLEND_DEVELOPER_NAME", "").strip() or DEFAULT_DEVELOPER_NAME
    if len(name) > 32:
        raise ConfigError(f"BLEND_DEVELOPER_NAME is at most 32 characters, got {len(name)}")
    website = _https_url("BLEND_DEVELOPER_URL", env.get("BLEND_DEVELOPER_URL", "").strip() or f"https://{host}/")
    privacy = env.get("BLEND_DEVELOPER_PRIVACY_URL", "").strip() or website
    terms = env.get("BLEND_DEVELOPER_TERMS_URL", "").strip() or website
    return {
        "APP_ID": app_id.lower(),
        "BLEND_PUBLIC_HOST": host,
        "BLEND_APP_VERSION": version,
        "BLEND_DEVELOPER_NAME": name,
        "BLEND_DEVELOPER_URL": website,
        "BLEND_DEVELOPER_PRIVACY_URL": _https_url("BLEND_DEVELOPER_PRIVACY_URL", privacy),
        "BLEND_DEVELOPER_TERMS_URL": _https_url("BLEND_DEVELOPER_TERMS_URL", terms),
    }


def _fill(node: Any, values: Mapping[str, str]) -> Any:
    # Substitute in parsed strings, not in the JSON text: a value can never break the JSON.
    if isinstance(node, dict):
        return {k: _fill(v, values) for k, v in node.items()}
    if isinstance(node, list):
        return [_fill(v, values) for v in node]
    if isinstance(node, str):
        return _PLACEHOLDER.sub(lambda m: values[m[1]], node)
    return node


def render_manifest(env: Mapping[str, str]) -> dict[str, Any]:
    return _fill(json.loads(TEMPLATE.read_text(encoding="utf-8")), package_values(env))


def build_package(out: Path, env: Mapping[str, str]) -> dict[str, Any]:
    """Write the app package zip to ``out``; returns the manifest it contains."""
    manifest = render_manifest(env)
    files = {"manifest.json": (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode("utf-8")}
    files.update({name: (HERE / name).read_bytes() for name in (*ICONS, *LANGUAGE_FILES)})
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w") as zf:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, data)
    return manifest


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m manifest.package", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"zip to write (default {DEFAULT_OUT})")
    parser.add_argument("--env-file", type=Path, default=Path(".env"), help="optional .env file (default .env)")
    args = parser.parse_args(argv)
    if args.env_file.exists():
        from dotenv import load_dotenv

        load_dotenv(args.env_file, override=False)
    try:
        manifest = build_package(args.out, os.environ)
    except ConfigError as error:
        print(f"manifest.package: {error}", file=sys.stderr)
        return 2
    print(
        f"wrote {args.out}: app id {manifest['id']}, version {manifest['version']}, "
        f"domain {manifest['validDomains'][0]}. Upload it in Teams (see docs/deployment.md)."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
