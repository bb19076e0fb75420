"""The command line's arguments: the type checks each option's one-line message comes from."""

import argparse

import pytest

from latentsweep.arguments import COMPARE_METRICS, UsageError, _fraction, _label_counts, _parser, _positive


def test_label_counts_read_a_comma_list_and_refuse_the_rest():
    assert _label_counts("1000, 3000,") == (1000, 3000)
    for text in ("a,b", "0,10", ""):
        with pytest.raises(argparse.ArgumentTypeError, match="label counts"):
            _label_counts(text)


@pytest.mark.parametrize(
    ("text", "message"), [("x", "not a number"), ("0", r"fraction in \(0, 1\]"), ("1.5", "fraction")]
)
def test_fraction_is_in_the_half_open_unit_interval(text, message):
    assert _fraction("1") == 1.0 and _fraction("0.05") == 0.05
    with pytest.raises(argparse.ArgumentTypeError, match=message):
        _fraction(text)


def test_positive_refuses_zero_and_non_integers():
    assert _positive("3") == 3
    for text, message in (("0", "at least 1"), ("2.5", "not a whole number")):
        with pytest.raises(argparse.ArgumentTypeError, match=message):
            _positive(text)


def test_a_usage_error_is_one_line_naming_the_option():
    expected = r"^latentsweep report: argument --fraction: '2': expected a fraction .*\(see --help\)$"
    with pytest.raises(UsageError, match=expected):
        _parser().parse_args(["report", "folder", "--fraction", "2"])


def test_compare_offers_each_metric_final_and_as_an_area():
    parsed = _parser().parse_args(["compare", "a", "b", "--metric", "val_accuracy_auc"])
    assert parsed.metric == "val_accuracy_auc" and "final_test_accuracy" in COMPARE_METRICS
    assert len(COMPARE_METRICS) % 2 == 0
