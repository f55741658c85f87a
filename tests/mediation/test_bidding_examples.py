"""The worked examples shown before anyone opts in to blind bidding: for every rule a tenant can set,
each example is what its sentence says it is (a midpoint that settles, a gap too wide, an insurer at or
above the customer), in whole figures, and the defaults give the example everyone reads."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from odr.mediation.bidding.rule import BASE_MINOR, Basis, Rule, decide, examples, percent_of


def test_the_defaults_give_ten_thousand_eight_thousand_nine_thousand():
    midpoint, apart, met = examples(Rule(rounds=3, percent=30, gap_minor=500_000))
    assert (midpoint.customer_minor, midpoint.insurer_minor, midpoint.gap_minor) == (1_000_000, 800_000, 200_000)
    assert (midpoint.outcome.basis, midpoint.outcome.amount_minor) == (Basis.PERCENT, 900_000)
    assert (apart.customer_minor, apart.insurer_minor, apart.outcome.basis) == (1_000_000, 400_000, Basis.APART)
    assert (met.customer_minor, met.insurer_minor, met.gap_minor) == (1_000_000, 1_050_000, 0)
    assert (met.outcome.basis, met.outcome.amount_minor) == (Basis.MET, 1_000_000)


def test_a_rule_that_allows_no_gap_has_no_midpoint_example():
    midpoint, apart, met = examples(Rule(rounds=3, percent=0, gap_minor=0))
    assert midpoint is None
    assert (apart.insurer_minor, apart.outcome.basis) == (900_000, Basis.APART)
    assert met.outcome.basis is Basis.MET


def test_a_small_allowance_gives_a_small_gap_in_round_figures():
    midpoint, _apart, _met = examples(Rule(rounds=3, percent=5, gap_minor=0))
    assert (midpoint.insurer_minor, midpoint.gap_minor, midpoint.outcome.amount_minor) == (950_000, 50_000, 975_000)
    midpoint, _apart, _met = examples(Rule(rounds=3, percent=0, gap_minor=1))
    assert (midpoint.gap_minor, midpoint.outcome.basis) == (1, Basis.AMOUNT)


def test_a_set_amount_larger_than_the_usual_figure_raises_the_example():
    midpoint, apart, met = examples(Rule(rounds=3, percent=0, gap_minor=2_000_000))
    assert midpoint.customer_minor == 5_000_000 and midpoint.customer_minor % BASE_MINOR == 0
    assert midpoint.outcome.basis is Basis.AMOUNT and midpoint.gap_minor == 1_000_000
    assert apart.insurer_minor == 5_000_000 - 2_000_000 - 500_000 and apart.outcome.basis is Basis.APART
    assert met.insurer_minor == 5_250_000


def test_percent_of_rounds_down():
    assert percent_of(Rule(rounds=1, percent=30, gap_minor=0), 1_000_001) == 300_000
    assert percent_of(Rule(rounds=1, percent=33, gap_minor=0), 100) == 33


@settings(max_examples=200, deadline=None)
@given(percent=st.integers(0, 100), gap=st.integers(0, 10_000_000))
def test_every_example_is_what_it_says(percent, gap):
    rule = Rule(rounds=3, percent=percent, gap_minor=gap)
    midpoint, apart, met = examples(rule)
    customer = met.customer_minor
    assert customer >= BASE_MINOR and customer % BASE_MINOR == 0 and customer > gap
    for example in (e for e in (midpoint, apart, met) if e is not None):
        assert example.customer_minor == customer and example.insurer_minor > 0
        assert example.outcome == decide(rule, example.customer_minor, example.insurer_minor)
    assert met.insurer_minor > customer and met.outcome.basis is Basis.MET
    allowed = max(percent_of(rule, customer), gap)
    assert (midpoint is None) == (allowed == 0)
    if midpoint is not None:
        assert midpoint.outcome.basis in (Basis.PERCENT, Basis.AMOUNT) and 0 < midpoint.gap_minor <= allowed
    if apart is not None:
        assert apart.outcome.basis is Basis.APART and apart.gap_minor == allowed + customer // 10


def test_the_example_is_raised_to_whole_ten_thousands_once_the_set_amount_nears_it():
    def customer_for(gap: int) -> int:
        return examples(Rule(rounds=3, percent=0, gap_minor=gap))[2].customer_minor

    assert customer_for(899_999) == 1_000_000
    assert customer_for(900_000) == 2_000_000  # the set amount and a tenth reach the usual figure: raised
    assert customer_for(950_000) == 3_000_000
    assert customer_for(1_405_000) == 4_000_000


def test_a_quarter_allowed_still_shows_the_usual_fifth_as_the_gap():
    midpoint, _apart, _met = examples(Rule(rounds=3, percent=25, gap_minor=0))
    assert (midpoint.gap_minor, midpoint.outcome.amount_minor) == (200_000, 900_000)
    midpoint, _apart, _met = examples(Rule(rounds=3, percent=15, gap_minor=0))
    assert midpoint.gap_minor == 150_000


@settings(max_examples=100, deadline=None)
@given(percent=st.integers(0, 100), gap=st.integers(0, 10_000_000))
def test_every_figure_of_the_examples_is_a_whole_number_of_minor_units(percent, gap):
    for example in examples(Rule(rounds=3, percent=percent, gap_minor=gap)):
        if example is not None:
            figures = (example.customer_minor, example.insurer_minor, example.outcome.amount_minor or 0)
            assert all(type(figure) is int for figure in figures), figures
