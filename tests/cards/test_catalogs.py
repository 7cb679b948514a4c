"""The message catalogs (cards/locales/<lang>/LC_MESSAGES/blend.po): every message exists in every
language, with the same placeholders, formats, and every message id the code asks for exists."""

from __future__ import annotations

import ast
import re
import string
from functools import cache
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from cards import verbs
from cards.texts import LANGUAGES, catalog_path, translate

ROOT = Path(__file__).resolve().parents[2]
# Where texts are asked for by key; trajectory/ must not (it imports nothing of cards/).
CODE_DIRS = ("cards", "dialogs", "bot", "outputs", "graph")
KEY_SHAPE = re.compile(r"^[a-z_]+(\.[a-z0-9_]+)+$")
KEY_HEAD = re.compile(r"^([a-z_]+)\\\.")  # an f-string id's pattern starts with "namespace\."
PLACEHOLDER = re.compile(r"^[a-z_][a-z0-9_]*$")


@cache
def catalog(lang: str) -> dict[str, str]:
    """Message id → text, as the file says (untranslated entries kept, as "")."""
    with catalog_path(lang).open("rb") as po:
        parsed = read_po(po, locale=lang, abort_invalid=True)
    return {m.id: m.string for m in parsed if m.id}


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def all_ids() -> list[str]:
    return sorted(set().union(*(catalog(lang) for lang in LANGUAGES)))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_each_catalog_parses_without_duplicate_ids(lang: str) -> None:
    assert catalog(lang), f"{catalog_path(lang)} holds no messages"
    # read_po silently keeps one of two entries with the same msgid (two people appending the same key).
    ids = re.findall(r'^msgid "(.+)"$', catalog_path(lang).read_text(encoding="utf-8"), re.MULTILINE)
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    assert not duplicates, f"{lang}: message ids defined twice: {duplicates}"


def test_every_message_is_in_every_language() -> None:
    problems = []
    for lang in LANGUAGES:
        missing = [i for i in all_ids() if i not in catalog(lang)]
        empty = [i for i, text in catalog(lang).items() if not text.strip()]
        problems += [f"{lang}: no entry for {missing}"] if missing else []
        problems += [f"{lang}: empty msgstr for {empty}"] if empty else []
    assert not problems, "\n".join(problems)


def test_placeholders_are_well_formed_and_the_same_in_every_language() -> None:
    problems = []
    for key in all_ids():
        seen: dict[str, set[str]] = {}
        for lang in LANGUAGES:
            text = catalog(lang).get(key)
            if not text:
                continue
            try:
                names = fields(text)
            except ValueError as error:  # a lone "{" or "}"
                problems.append(f"{lang} {key}: {error}: {text!r}")
                continue
            odd = sorted(n for n in names if not PLACEHOLDER.match(n))
            if odd:  # "{}", "{0}", "{a.b}", "{a[0]}": only plain keyword names are passed
                problems.append(f"{lang} {key}: placeholders must be plain names, not {odd}")
            seen[lang] = names
        if len({frozenset(names) for names in seen.values()}) > 1:
            problems.append(f"{key}: placeholders differ: {seen}")
    assert not problems, "\n".join(problems)


class _Anything:
    """A parameter value any format spec accepts."""

    def __format__(self, spec: str) -> str:
        return "X"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_message_formats_with_its_parameters(lang: str) -> None:
    failures = []
    for key in all_ids():
        params = {name: _Anything() for name in fields(catalog("en").get(key) or catalog(lang)[key])}
        try:
            translate(lang, key, **params)
        except Exception as error:  # noqa: BLE001 - every kind of failure is reported the same way
            failures.append(f"{key}: {type(error).__name__}: {error}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("noun", sorted({k.split(".")[1] for k in catalog("en") if k.startswith("count.")}))
def test_counted_nouns_have_both_forms(noun: str) -> None:
    for lang in LANGUAGES:
        one, other = catalog(lang).get(f"count.{noun}.one"), catalog(lang).get(f"count.{noun}.other")
        assert one and other, f"{lang}: count.{noun} needs .one and .other"
        assert "{n}" in other, f"{lang}: count.{noun}.other must show the number"


# --- Which ids the code asks for -------------------------------------------------------------------

class _Usage:
    def __init__(self) -> None:
        self.exact: dict[str, list[str]] = {}  # id → where
        self.patterns: dict[str, list[str]] = {}  # regex of an f-string id → where
        self.literals: set[str] = set()  # every key-shaped string in the code

    def add(self, key: str, where: str) -> None:
        self.exact.setdefault(key, []).append(where)


def _callee(call: ast.Call) -> str | None:
    func = call.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None


def _key_argument(call: ast.Call) -> ast.expr | None:
    """The message id argument of t(key), translate(lang, key) and count(n, noun)."""
    position = {"t": 0, "translate": 1, "count": 1}.get(_callee(call) or "")
    return call.args[position] if position is not None and len(call.args) > position else None


def _pattern(node: ast.JoinedStr) -> str:
    return "".join(re.escape(part.value) if isinstance(part, ast.Constant) else ".+" for part in node.values)


def _assigned_strings(function: ast.AST, name: str) -> list[str]:
    """String constants in what ``name`` is assigned in this function (e.g. a dict of keys)."""
    found = []
    for node in ast.walk(function):
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            found += [c.value for c in ast.walk(node.value) if isinstance(c, ast.Constant) and isinstance(c.value, str)]
    return found


@cache
def usage() -> _Usage:
    found = _Usage()
    for folder in CODE_DIRS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            where = str(path.relative_to(ROOT))
            scopes = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
            for node in ast.walk(tree):
                if isinstance(node, ast.Constant) and isinstance(node.value, str) and KEY_SHAPE.match(node.value):
                    found.literals.add(node.value)
                if isinstance(node, ast.JoinedStr) and KEY_HEAD.match(pattern := _pattern(node)):
                    found.patterns.setdefault(pattern, []).append(f"{where}:{node.lineno}")
                if not isinstance(node, ast.Call) or (arg := _key_argument(node)) is None:
                    continue
                counted = _callee(node) == "count"
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    values = [arg.value]
                elif isinstance(arg, ast.IfExp):  # t("finished" if ... else "closed")
                    values = [c.value for c in (arg.body, arg.orelse)
                              if isinstance(c, ast.Constant) and isinstance(c.value, str)]
                elif isinstance(arg, ast.Name):  # a key chosen from literals in the same function
                    scope = next((s for s in scopes if s.lineno <= node.lineno <= (s.end_lineno or 0)
                                  and s.name not in ("t", "translate", "count")), None)
                    values = _assigned_strings(scope, arg.id) if scope else []
                    values = [v for v in values if (re.fullmatch(r"[a-z_]+", v) if counted else KEY_SHAPE.match(v))]
                else:
                    continue
                for value in values:
                    keys = [f"count.{value}.one", f"count.{value}.other"] if counted else [value]
                    for key in keys:
                        found.add(key, f"{where}:{node.lineno}")
    return found


def test_every_id_the_code_asks_for_is_in_the_catalog() -> None:
    en = catalog("en")
    missing = {key: where for key, where in usage().exact.items() if key not in en}
    assert not missing, f"message ids used in code but not in the catalogs: {missing}"


def test_every_key_shaped_literal_in_a_catalog_namespace_is_in_the_catalog() -> None:
    """Keys passed around before reaching t() ("ideas.added" handed to a helper): a literal shaped like
    a key in one of the catalog's namespaces must be a message. Card verbs share the shape, not the role."""
    en = catalog("en")
    namespaces = {key.split(".")[0] for key in en if "." in key}
    verb_names = {value for value in vars(verbs).values() if isinstance(value, str)}
    suspicious = sorted(v for v in usage().literals
                        if v.split(".")[0] in namespaces and v not in en and v not in verb_names)
    assert not suspicious, f"key-shaped strings that are no message id: {suspicious}"


def test_every_f_string_id_matches_a_message() -> None:
    """t(f"vote.method.{method}"): at least one message has that shape."""
    en = catalog("en")
    namespaces = {key.split(".")[0] for key in en if "." in key}
    problems = []
    for pattern, where in usage().patterns.items():
        head = KEY_HEAD.match(pattern)
        if head and head.group(1) in namespaces and not any(re.fullmatch(pattern, key) for key in en):
            problems.append(f"{pattern} ({', '.join(where)})")
    assert not problems, "f-string message ids matching no message: " + "; ".join(problems)


def test_report_ids_no_code_mentions() -> None:
    """Soft: lists catalog ids nothing in the code names (ids can be built in ways a scan can't follow,
    so this prints instead of failing). Run with -s to see the list."""
    found = usage()
    unused = [key for key in catalog("en") if key not in found.exact and key not in found.literals
              and not any(re.fullmatch(pattern, key) for pattern in found.patterns)]
    print(f"\n{len(unused)} catalog ids no code mentions literally: {unused}")


# --- Refusals: the domain names codes, fields and reasons; dialogs/refusals.py finds their words ----

def _domain_keywords() -> dict[str, set[str]]:
    """field="...", reason="..." and what="..." as the domain and the dialogs raise them."""
    found: dict[str, set[str]] = {"field": set(), "reason": set(), "what": set()}
    for folder in ("trajectory", "dialogs", "storage"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Call):
                    for keyword in node.keywords:
                        value = keyword.value
                        if keyword.arg in found and isinstance(value, ast.Constant) and isinstance(value.value, str):
                            found[keyword.arg].add(value.value)
    return found


def test_every_refusal_has_words() -> None:
    from trajectory import errors
    from trajectory.model import TrajectoryState

    en = catalog("en")
    codes = {c.code for c in vars(errors).values()
             if isinstance(c, type) and issubclass(c, errors.DomainError) and c is not errors.DomainError}
    used = _domain_keywords()
    wanted = ({f"error.{code}" for code in codes} | {f"field.{f}" for f in used["field"]}
              | {f"input.{r}" for r in used["reason"]} | {f"error.what.{w}" for w in used["what"]}
              | {f"error.state.{s}" for s in [*TrajectoryState, "no_steps"]})
    assert not sorted(wanted - set(en)), f"refusals without a message: {sorted(wanted - set(en))}"


def test_a_refusal_is_worded_wholly_in_the_readers_language() -> None:
    from cards.texts import speaking
    from dialogs.refusals import describe
    from trajectory.errors import InvalidInput, InvalidTransition, NotFound

    with speaking("nl"):
        assert describe(NotFound(what="idea")) == translate("nl", "error.not_found", what="dat idee")
        assert "nog niet gestart" in describe(InvalidTransition(action="start", state="draft"))
        assert describe(InvalidInput(field="idea", reason="empty")).endswith("Het idee is leeg.")
    with speaking("en"):
        assert describe(NotFound(what="idea")) == "I can't find that idea. It may have been removed."
