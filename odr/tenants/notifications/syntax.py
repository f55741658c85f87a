"""A wording's syntax errors in plain words: where the braces of a placeholder are wrong, and how.

The template engine's own message ("expected 'end of print statement', got 'reference'") speaks of
its grammar; an administrator editing an e-mail needs the line and what to write instead.
"""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l

NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
EXAMPLE = "{{ case_reference }}"


def explain(source: str, lineno: int | None) -> str:
    """What is wrong on line ``lineno`` of ``source``, which the template engine could not read."""
    lines = source.splitlines() or [""]
    number = min(max(lineno or 1, 1), len(lines))
    # The engine names the line where it gave up; an opening left unclosed may be on an earlier one.
    for at in [number, *range(1, number)]:
        problem = _problem_on(lines[at - 1])
        if problem:
            return str(_l("Line %(line)s: %(problem)s", line=at, problem=problem))
    return str(_l("Line %(line)s: the double braces are not right. Write each placeholder as %(example)s: two "
                  "opening braces, its name, two closing braces.", line=number, example=EXAMPLE))


def _problem_on(line: str) -> str | None:
    """The first problem with the braces of one line, or None when it has none."""
    if "{%" in line:
        return str(_l("“{%%” starts an instruction; a wording may hold only text and placeholders like %(example)s.",
                      example=EXAMPLE))
    if "{#" in line:
        return str(_l("“{#” starts a comment; a wording may hold only text and placeholders like %(example)s.",
                      example=EXAMPLE))
    for match in re.finditer(r"\{\{", line):
        rest = line[match.end():]
        end = rest.find("}}")
        if end == -1:
            shown = (line[match.start():].strip() or "{{")[:40]
            if "}" in rest:
                return str(_l("“%(text)s” ends with one brace; a placeholder ends with two: %(example)s.",
                              text=shown, example=EXAMPLE))
            return str(_l("“%(text)s” opens a placeholder with {{ but never closes it with }}.", text=shown))
        inner = rest[:end].strip()
        shown = "{{ " + inner + " }}"
        if not inner:
            return str(_l("nothing stands between {{ and }}; write a placeholder's name there, like %(example)s.",
                          example=EXAMPLE))
        if NAME.match(inner):
            continue
        if re.fullmatch(r"[\w ]+", inner):
            return str(_l("“%(text)s” is not a placeholder: a placeholder's name has no spaces, like %(example)s.",
                          text=shown, example=EXAMPLE))
        return str(_l("“%(text)s” is not a placeholder: only a placeholder's name may stand between {{ and }}, "
                      "like %(example)s.", text=shown, example=EXAMPLE))
    return None
