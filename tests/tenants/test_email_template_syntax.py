"""A wording the template engine cannot read is refused in plain words: the field, the line, what is
wrong with its braces, and never the engine's own grammar."""

from __future__ import annotations

import html as html_lib

import pytest

from tests.conftest import csrf_token, sign_in
from tests.pages import error_summary

GOOD_SUBJECT = "Reminder for {{ case_reference }}"
GOOD_BODY = "Hello {{ recipient_name }},\n\nplease send {{ what }} by {{ due }}."

CASES = {
    "unclosed": ("Dear {{ recipient_name ", 1,
                 "“{{ recipient_name” opens a placeholder with {{ but never closes it with }}."),
    "space": ("Case {{ case reference }}", 1,
              "“{{ case reference }}” is not a placeholder: a placeholder's name has no spaces, like "
              "{{ case_reference }}."),
    "one-brace": ("Hello,\n\nsend it by {{ due }\n\nThanks", 3,
                  "“{{ due }” ends with one brace; a placeholder ends with two: {{ case_reference }}."),
    "empty": ("Hello {{ }}", 1, "nothing stands between {{ and }}; write a placeholder's name there, like "
                                "{{ case_reference }}."),
    "open-on-an-earlier-line": ("Hello\n{{ link\nsee you\nsoon }} {{ a b }}", 2,
                                "“{{ link” opens a placeholder with {{ but never closes it with }}."),
    "instruction": ("Hello\n{% if due %}soon", 2,
                    "“{%” starts an instruction; a wording may hold only text and placeholders like "
                    "{{ case_reference }}."),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_the_body_says_which_line_and_what_is_wrong(client, tenant, people, case):
    source, line, problem = CASES[case]
    sign_in(client, tenant, people["admin"])
    path = f"/t/{tenant.slug}/admin/templates/deadline_reminder/en"
    response = client.post(path, data={"csrf_token": csrf_token(client, path), "action": "preview",
                                       "subject": GOOD_SUBJECT, "body": source})
    assert response.status_code == 400
    page = html_lib.unescape(response.get_data(as_text=True))
    assert f"Line {line}: {problem}" in page
    assert ("body", f"Text: Line {line}: {problem}") in error_summary(response.get_data(as_text=True))
    for grammar in ("print statement", "end of template", "expected token", "Jinja"):
        assert grammar not in page


def test_the_subject_is_named_in_the_summary(client, tenant, people):
    sign_in(client, tenant, people["admin"])
    path = f"/t/{tenant.slug}/admin/templates/deadline_reminder/en"
    response = client.post(path, data={"csrf_token": csrf_token(client, path), "action": "save",
                                       "subject": "Case {{ case reference }}", "body": GOOD_BODY})
    entries = dict(error_summary(response.get_data(as_text=True)))
    assert entries["subject"].startswith("Subject: Line 1: “{{ case reference }}” is not a placeholder")
