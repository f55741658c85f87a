"""What a page shows a reader (its text and the attributes read aloud), and which of it is English that the
German catalogue translates: a string left out of gettext, or built where no translation could reach it."""

from __future__ import annotations

import re
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

from babel.messages.pofile import read_po

CATALOGUE = Path(__file__).resolve().parents[2] / "odr" / "translations" / "de" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
SHOWN_ATTRIBUTES = ("aria-label", "title", "placeholder", "alt")
HIDDEN = {"script", "style", "template"}


class _Visible(HTMLParser):
    """The text nodes a reader sees or hears, and the labelling attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.links: list[str] = []
        self._hidden = 0
        self._nav = 0
        self._foreign: list[str] = []  # open elements written in another language on purpose (lang="en")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if self._foreign or (tag != "html" and values.get("lang") and not (values["lang"] or "").startswith("de")):
            self._foreign.append(tag)  # a record in the case's language: the agreement, a template being edited
            return
        if tag in HIDDEN:
            self._hidden += 1
        if tag == "nav":
            self._nav += 1
        if tag == "a" and self._nav and values.get("href"):
            self.links.append(values["href"] or "")
        self.texts += [values[name] or "" for name in SHOWN_ATTRIBUTES if values.get(name)]
        if tag == "input" and values.get("type") in ("submit", "button") and values.get("value"):
            self.texts.append(values["value"] or "")

    def handle_endtag(self, tag: str) -> None:
        if self._foreign:
            while self._foreign and self._foreign.pop() != tag:
                pass
            return
        if tag in HIDDEN:
            self._hidden = max(0, self._hidden - 1)
        if tag == "nav":
            self._nav = max(0, self._nav - 1)

    def handle_data(self, data: str) -> None:
        if not self._hidden and not self._foreign and data.strip():
            self.texts.append(data)


def visible(html: str) -> tuple[list[str], list[str]]:
    """The page's visible strings (whitespace collapsed) and the links of its navigation."""
    parser = _Visible()
    parser.feed(html)
    return [" ".join(t.split()) for t in parser.texts], parser.links


@cache
def _translated_away() -> tuple[frozenset[str], tuple[tuple[str, re.Pattern[str]], ...]]:
    """The English msgids whose German differs: plain ones as they are, those with placeholders as
    patterns (only with two English words or more around them: "Case %(ref)s" would match a person
    called "Case Manager 3")."""
    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle)
    plain: set[str] = set()
    patterns: list[tuple[str, re.Pattern[str]]] = []
    for message in catalogue:
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for msgid in ids:
            if msgid in strings or not re.search(r"[A-Za-z]{2,}", msgid):
                continue
            text = " ".join(msgid.split())
            if not PLACEHOLDER.search(text):
                plain.add(text)
            elif len(re.findall(r"[A-Za-z]{3,}", PLACEHOLDER.sub("", text))) >= 2:
                parts = PLACEHOLDER.split(text)[::2]
                patterns.append((text, re.compile("^" + "(.+?)".join(re.escape(p) for p in parts) + "$")))
    return frozenset(plain), tuple(patterns)


def untranslated(texts: list[str]) -> set[str]:
    """The strings among ``texts`` that are a catalogue's English, where German was due."""
    plain, patterns = _translated_away()
    pieces = set(texts)
    for text in texts:  # "a · b" and "(hint)" beside a sentence count as their parts too
        pieces.update(p.strip(" ,.") for p in re.split(r"[·()]", text) if p.strip(" ,."))
    found = {piece for piece in pieces if piece in plain}
    for piece in pieces:
        found.update(msgid for msgid, pattern in patterns if pattern.match(piece))
    return found
