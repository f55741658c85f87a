"""Reading the pages the tests get back: the error summary of a refused form, and a strict HTML check.

The strict check stands in for a validating HTML5 parser (html5lib is not installed here): it reports
what a browser would silently repair or ignore, namely a missing doctype, elements closed out of
order or left open, end tags with no start, an attribute given twice, an id used twice, a literal
quote, ``<`` or ``=`` in an unquoted attribute value, an escaped quote where the value's own quote
belongs (``maxlength=&#34;120&#34;``), and a number attribute that is no number.
"""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser

VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
                  "wbr"})
# Elements whose end tag the HTML5 parser may infer (a <p> closed by the next block, a <li> by the next <li>).
OPTIONAL_END = frozenset({"p", "li", "dt", "dd", "option", "optgroup", "tr", "td", "th", "thead", "tbody",
                          "tfoot", "colgroup", "caption", "rt", "rp"})
INTEGER_ATTRIBUTES = frozenset({"maxlength", "minlength", "rows", "cols", "size", "tabindex", "colspan",
                                "rowspan", "span", "start"})
# One attribute of a raw start tag: its name, then a double-quoted, single-quoted or unquoted value.
_ATTRIBUTE = re.compile(r"""\s*([^\s/>="']+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s>]*))?""")
FOREIGN = frozenset({"svg", "math"})  # inside these, <path/> and the like are allowed


class StrictHTML(HTMLParser):
    """Collect the parse and conformance errors of one page."""

    def __init__(self, *, fragment: bool = False) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.open: list[str] = []
        self.ids: set[str] = set()
        self.saw_doctype = fragment  # a fragment (a panel the page fetches) has no doctype of its own

    def _problem(self, text: str) -> None:
        line, column = self.getpos()
        self.problems.append(f"line {line}, column {column + 1}: {text}")

    def handle_decl(self, decl: str) -> None:
        """Only the HTML5 doctype."""
        self.saw_doctype = decl.lower() == "doctype html"
        if not self.saw_doctype:
            self._problem(f"unexpected declaration <!{decl}>")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Check the start tag's attributes and remember the element."""
        if not self.saw_doctype and not self.problems:
            self._problem("no <!DOCTYPE html> before the first element")
        self._check_attributes(tag, attrs, self.get_starttag_text() or "")
        if tag in VOID:
            return
        if tag in OPTIONAL_END and tag in self.open and tag in {"li", "dt", "dd", "option", "tr", "td", "th"}:
            self._close(tag, implied=True)
        self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """``<br/>``: allowed on void elements, and on any element inside SVG or MathML."""
        self._check_attributes(tag, attrs, self.get_starttag_text() or "")
        if tag not in VOID and not FOREIGN & set(self.open):
            self._problem(f"self-closing syntax on the non-void element <{tag}/>")

    def handle_endtag(self, tag: str) -> None:
        """Close the element, and say so when it was not the one open."""
        if tag in VOID:
            self._problem(f"end tag </{tag}> of a void element")
            return
        if tag not in self.open:
            self._problem(f"end tag </{tag}> with no element open")
            return
        self._close(tag, implied=False)

    def _close(self, tag: str, *, implied: bool) -> None:
        while self.open:
            top = self.open.pop()
            if top == tag:
                return
            if top not in OPTIONAL_END:
                self._problem(f"<{top}> is still open when <{tag}> {'starts again' if implied else 'ends'}")

    def _check_attributes(self, tag: str, attrs: list[tuple[str, str | None]], raw: str) -> None:
        names = [name for name, _value in attrs]
        for name in {n for n in names if names.count(n) > 1}:
            self._problem(f"<{tag}> has the attribute {name} twice")
        for name, value in attrs:
            if name == "id" and value is not None:
                if value in self.ids:
                    self._problem(f'the id "{value}" is used twice')
                self.ids.add(value)
            if name in INTEGER_ATTRIBUTES and value is not None and not re.fullmatch(r"-?\d+", value.strip()):
                self._problem(f'<{tag} {name}="{value}">: {name} must be a whole number')
        for name, value in _unquoted_values(raw):
            if re.search(r"""["'<=`]|&#34;|&quot;|&#39;""", value):
                self._problem(f"<{tag}>: the unquoted value of {name} holds a quote or markup: {value}")

    def close(self) -> None:
        """Everything still open at the end must be allowed to end by itself."""
        super().close()
        left = [tag for tag in self.open if tag not in OPTIONAL_END | {"html", "body", "head"}]
        if left:
            self._problem(f"still open at the end: {', '.join(left)}")


def _unquoted_values(raw: str) -> list[tuple[str, str]]:
    """The attributes of the raw start tag ``raw`` that are given without quotes, with their values."""
    body = re.sub(r"^<[^\s/>]+", "", raw).rstrip(">").rstrip("/")
    found, at = [], 0
    while at < len(body):
        match = _ATTRIBUTE.match(body, at)
        if not match or match.end() == at:
            at += 1
            continue
        name, value = match.group(1), match.group(2)
        if value and value[0] not in "\"'":
            found.append((name, value))
        at = match.end()
    return found


def html_problems(html: str, *, fragment: bool = False) -> list[str]:
    """The parse and conformance errors of ``html`` (a whole page, or a ``fragment`` of one); empty when
    it is clean."""
    checker = StrictHTML(fragment=fragment)
    checker.feed(html)
    checker.close()
    return checker.problems


def error_summary(html: str) -> list[tuple[str | None, str]]:
    """The error summary's entries: each one's link target (None if it is not a link) and its text."""
    summary = re.search(r"<div class=\"error-summary\"(.*?)</div>", html, re.S)
    match = re.search(r"<ul[^>]*>(.*?)</ul>", summary.group(1), re.S) if summary else None
    if not match:
        return []
    entries = []
    for item in re.findall(r"<li>(.*?)</li>", match.group(1), re.S):
        link = re.search(r'href="#([^"]+)"', item)
        text = unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", item)).strip())
        entries.append((link.group(1) if link else None, text))
    return entries
