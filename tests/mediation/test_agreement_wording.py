"""The agreement's wording, exactly: how a template is filled (an empty required placeholder marked,
line ends and blank runs made regular) and how a text is read into headings, paragraphs and lists,
which is what the page and the sealed PDF show of the text signed."""

from __future__ import annotations

from odr.mediation.agreements import wording


def test_fill_marks_an_empty_required_placeholder_and_leaves_an_optional_one_empty():
    source = "{{ customer_name }} and {{ insurer_name }}{{ representatives }}, by {{ payment_method }}.{{ terms }}"
    text = wording.fill(source, {"customer_name": "  Alex Example ", "insurer_name": "Northwind",
                                 "payment_method": "   "})
    assert text == "Alex Example and Northwind, by ⟦payment_method⟧.\n"
    assert wording.unfilled(text) == ["payment_method"]


def test_fill_makes_line_ends_and_blank_runs_regular():
    text = wording.fill("\r\n## Title\r\n\r\n\r\n\r\nOne\r\nTwo\n\n\n{{ case_reference }}\r\n\r\n",
                        {**wording.SAMPLES})
    assert text == "## Title\n\nOne\nTwo\n\nMED-2026-000042\n"


def test_unfilled_names_each_marker_once_in_order():
    assert wording.unfilled("⟦amount⟧ ⟦payment_method⟧ ⟦amount⟧") == ["amount", "payment_method"]
    assert wording.unfilled("[amount] {amount}") == []


def test_blocks_reads_headings_paragraphs_and_lists():
    text = ("## Settlement agreement\n\n"
            "First line   \n  indented second line\n\n"
            "- An apology\n  - A repair: the fence  \n\n"
            "## 1. Payment\nThe insurer pays.\nWithin 14 days.\n\n\n\n"
            "Last words")
    assert wording.blocks(text) == [
        ("heading", "Settlement agreement"),
        ("paragraph", "First line\n  indented second line"),
        ("list", ["An apology", "A repair: the fence"]),
        ("heading", "1. Payment"),
        ("paragraph", "The insurer pays.\nWithin 14 days."),
        ("paragraph", "Last words"),
    ]


def test_a_list_needs_every_line_an_item_and_a_heading_its_marker_and_space():
    assert wording.blocks("- one\ntwo") == [("paragraph", "- one\ntwo")]
    assert wording.blocks("##No space\n\n#  One hash") == [("paragraph", "##No space"), ("paragraph", "#  One hash")]
    assert wording.blocks("##  Spaced  ") == [("heading", "Spaced")]
    assert wording.blocks("") == []


def test_the_standard_wording_uses_only_its_placeholders_in_each_language(app):
    with app.app_context():
        english, german = wording.standard_body("en"), wording.standard_body("de")
    assert german.startswith("## Vergleichsvereinbarung") and english.startswith("## Settlement agreement")
    for body in (english, german):
        assert wording.problems(body) == []
        assert "{{ payment_method }}" in body and "{{ amount }}" in body
    assert wording.problems("{{ secret_key }}") != []
