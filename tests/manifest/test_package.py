"""The app package: schema-valid manifest (official v1.30 schema), commands, zip layout, config errors."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import jsonschema
import pytest

from dialogs.commands import COMMANDS
from manifest import icons
from manifest.package import ICONS, LANGUAGE_FILES, TEMPLATE, ConfigError, build_package, render_manifest

ROOT = Path(__file__).resolve().parents[2]
# From the pinned devDependency @microsoft/app-manifest (package.json; `npm ci` installs it).
SCHEMA = ROOT / "node_modules/@microsoft/app-manifest/build/json-schemas/teams/v1.30/MicrosoftTeams.schema.json"
APP_ID = "0b5c1e0e-6a51-4c3e-9a4f-1d2b3c4d5e6f"
ENV = {"APP_ID": APP_ID, "BLEND_PUBLIC_HOST": "blend.example.com"}


@pytest.fixture(scope="module")
def schema():
    if not SCHEMA.exists():
        pytest.skip("node_modules/@microsoft/app-manifest is missing: run `npm ci` (make setup) for the Teams schema")
    return json.loads(SCHEMA.read_text(encoding="utf-8"))


@pytest.fixture
def manifest():
    return render_manifest(ENV)


def test_manifest_matches_the_official_schema(schema, manifest):
    # Draft 4 has no `const`, so the schema's manifestVersion check is ours to make.
    assert manifest["manifestVersion"] == "1.30"
    assert manifest["$schema"].endswith("/teams/v1.30/MicrosoftTeams.schema.json")
    # No check_schema(): the schema's only \p{L} pattern (extensionFunction.name) is not a Python
    # regex. Validation compiles a pattern only when the manifest has that field, and Blend's has not.
    errors = [f"{e.json_path}: {e.message}" for e in jsonschema.Draft4Validator(schema).iter_errors(manifest)]
    assert errors == []


def test_validation_catches_a_broken_manifest(schema, manifest):
    # Guards the test above against a schema that silently accepts anything.
    manifest["bots"][0]["botId"] = "not-a-guid"
    manifest["accentColor"] = "purple"
    assert len(list(jsonschema.Draft4Validator(schema).iter_errors(manifest))) == 2


def test_ids_and_domain_come_from_configuration(manifest):
    assert manifest["id"] == manifest["bots"][0]["botId"] == manifest["webApplicationInfo"]["id"] == APP_ID
    assert manifest["validDomains"] == ["blend.example.com"]
    assert manifest["webApplicationInfo"]["resource"] == f"api://blend.example.com/botid-{APP_ID}"
    assert "${{" not in json.dumps(manifest)


def test_optional_settings_and_defaults():
    defaults = render_manifest(ENV)
    assert defaults["developer"]["name"] == "Blend"
    assert defaults["developer"]["privacyUrl"] == "https://blend.example.com/"
    custom = render_manifest({
        **ENV, "BLEND_APP_VERSION": "2.3.4", "BLEND_DEVELOPER_NAME": "Contoso",
        "BLEND_DEVELOPER_URL": "https://contoso.example/", "BLEND_DEVELOPER_PRIVACY_URL": "https://contoso.example/privacy",
        "BLEND_DEVELOPER_TERMS_URL": "https://contoso.example/terms",
    })
    assert custom["version"] == "2.3.4"
    assert custom["developer"] == {
        "name": "Contoso", "websiteUrl": "https://contoso.example/",
        "privacyUrl": "https://contoso.example/privacy", "termsOfUseUrl": "https://contoso.example/terms",
    }


@pytest.mark.parametrize(
    "env, key",
    [
        ({}, "APP_ID is not set"),
        ({"APP_ID": "  "}, "APP_ID is not set"),
        ({"APP_ID": "my-bot", "BLEND_PUBLIC_HOST": "blend.example.com"}, "APP_ID must be a GUID"),
        ({"APP_ID": APP_ID}, "BLEND_PUBLIC_HOST is not set"),
        ({"APP_ID": APP_ID, "BLEND_PUBLIC_HOST": "http://blend.example.com"}, "BLEND_PUBLIC_HOST must be"),
        ({"APP_ID": APP_ID, "BLEND_PUBLIC_HOST": "blend.example.com/api/messages"}, "BLEND_PUBLIC_HOST must be"),
        ({**ENV, "BLEND_APP_VERSION": "1.0"}, "BLEND_APP_VERSION"),
        ({**ENV, "BLEND_DEVELOPER_URL": "http://contoso.example"}, "BLEND_DEVELOPER_URL"),
        ({**ENV, "BLEND_DEVELOPER_NAME": "x" * 33}, "BLEND_DEVELOPER_NAME"),
    ],
)
def test_configuration_errors_are_clear(env, key):
    with pytest.raises(ConfigError, match=key):
        render_manifest(env)


def test_host_may_be_pasted_as_an_https_url():
    assert render_manifest({**ENV, "BLEND_PUBLIC_HOST": "https://Blend.Example.com/"})["validDomains"] == ["blend.example.com"]


def test_teams_limits_the_schema_does_not_check(manifest):
    assert len(manifest["name"]["short"]) <= 30
    assert len(manifest["description"]["short"]) <= 80
    assert len(manifest["description"]["full"]) <= 4000
    assert manifest["accentColor"].lower() == "#%02x%02x%02x" % icons.ACCENT
    bot = manifest["bots"][0]
    assert set(bot["scopes"]) == {"team", "groupChat", "personal"}
    assert bot["isNotificationOnly"] is False and bot["supportsFiles"] is False
    assert manifest["authorization"]["permissions"]["resourceSpecific"] == [
        {"name": name, "type": "Application"}
        for name in ("ChannelMessage.Send.Group", "ChannelMember.Read.Group", "TeamMember.Read.Group", "ChannelSettings.Read.Group")
    ]


def test_command_lists_offer_only_commands_the_bot_answers(manifest):
    lists = manifest["bots"][0]["commandLists"]
    assert len(lists) <= 3
    titles = set()
    for command_list in lists:
        assert len(command_list["commands"]) <= 12
        for command in command_list["commands"]:
            assert command["title"] in COMMANDS
            assert len(command["title"]) <= 32 and 0 < len(command["description"]) <= 128
            titles.add(command["title"])
    assert titles == set(COMMANDS), "a command the bot answers is missing from the manifest's menu"


def test_the_dutch_manifest_offers_the_same_commands_in_dutch_words(schema, manifest):
    """nl.json against the official localization schema; each menu entry is the Dutch word of the
    command at that place in manifest.json (Teams posts the title, Blend understands it)."""
    from cards.texts import CATALOGS
    from dialogs.commands import parse

    localization_schema = json.loads((SCHEMA.parent / "MicrosoftTeams.Localization.schema.json").read_text())
    (info,) = manifest["localizationInfo"]["additionalLanguages"]
    dutch = json.loads((TEMPLATE.parent / info["file"]).read_text(encoding="utf-8"))
    errors = [f"{e.json_path}: {e.message}" for e in jsonschema.Draft4Validator(localization_schema).iter_errors(dutch)]
    assert not errors, errors
    for i, command_list in enumerate(manifest["bots"][0]["commandLists"]):
        for j, command in enumerate(command_list["commands"]):
            title = dutch[f"bots[0].commandLists[{i}].commands[{j}].title"]
            assert title == CATALOGS["nl"][f"command.{command['title']}"] and parse(title).name == command["title"]
            assert 0 < len(dutch[f"bots[0].commandLists[{i}].commands[{j}].description"]) <= 128


def test_package_zip_holds_exactly_the_manifest_icons_and_translations(tmp_path):
    out = tmp_path / "nested" / "blend.zip"
    manifest = build_package(out, ENV)
    with zipfile.ZipFile(out) as zf:
        assert sorted(zf.namelist()) == sorted(["manifest.json", *ICONS, *LANGUAGE_FILES])
        for name in LANGUAGE_FILES:
            assert zf.read(name) == (TEMPLATE.parent / name).read_bytes()
        assert json.loads(zf.read("manifest.json")) == manifest
        for name in ICONS:
            assert zf.read(name) == (TEMPLATE.parent / name).read_bytes()
            assert manifest["icons"][name.removesuffix(".png")] == name


def test_package_is_reproducible(tmp_path):
    build_package(tmp_path / "a.zip", ENV)
    build_package(tmp_path / "b.zip", ENV)
    assert (tmp_path / "a.zip").read_bytes() == (tmp_path / "b.zip").read_bytes()


def test_command_line(tmp_path, monkeypatch, capsys):
    from manifest.package import main

    for key in ("APP_ID", "BLEND_PUBLIC_HOST"):
        monkeypatch.delenv(key, raising=False)
    missing = tmp_path / "none.env"
    assert main(["--out", str(tmp_path / "x.zip"), "--env-file", str(missing)]) == 2
    assert "APP_ID is not set" in capsys.readouterr().err
    (tmp_path / ".env").write_text(f"APP_ID={APP_ID}\nBLEND_PUBLIC_HOST=blend.example.com\n")
    assert main(["--out", str(tmp_path / "x.zip"), "--env-file", str(tmp_path / ".env")]) == 0
    assert zipfile.is_zipfile(tmp_path / "x.zip")
