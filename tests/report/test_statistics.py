"""Statistics against values computed by hand (and scipy / statsmodels called directly)."""

import math

import numpy as np
import pytest
from scipy import stats

from latentsweep.report import confidence_interval, holm, mean_std, paired_comparison


def test_mean_and_corrected_standard_deviation_by_hand():
    mean, std = mean_std([0.90, 0.92, 0.94])
    assert mean == pytest.approx(0.92)
    # sum of squares 0.0004 + 0 + 0.0004 = 0.0008, / (n - 1) = 0.0004, sqrt = 0.02
    assert std == pytest.approx(0.02)
    assert math.isnan(mean_std([0.5])[1]) and math.isnan(mean_std([])[0])


def test_t_interval_by_hand():
    low, high = confidence_interval([1.0, 2.0, 3.0])
    # mean 2, s = 1, sem = 1 / sqrt(3), t(0.975, 2) = 4.302653
    half = 4.302653 / math.sqrt(3)
    assert low == pytest.approx(2 - half, rel=1e-5) and high == pytest.approx(2 + half, rel=1e-5)


def test_an_interval_of_a_bounded_quantity_stays_in_its_range():
    # mean 0.95, s = 0.05, sem = 0.05 / sqrt(3), t(0.975, 2) = 4.302653: [0.825792, 1.074208] unclipped
    half = 4.302653 * 0.05 / math.sqrt(3)
    low, high = confidence_interval([0.90, 0.95, 1.0], bounds=(0.0, 1.0))
    assert low == pytest.approx(0.95 - half, rel=1e-5) and high == 1.0
    assert confidence_interval([0.90, 0.95, 1.0])[1] == pytest.approx(0.95 + half, rel=1e-5)
    # n = 2: mean 0.8, sem 0.1, t(0.975, 1) = 12.7062: [-0.4706, 2.0706], the whole range once clipped
    assert confidence_interval([0.7, 0.9], bounds=(0.0, 1.0)) == (0.0, 1.0)


def test_paired_comparison_equals_scipy_on_the_same_pairs():
    a = [0.81, 0.83, 0.80, 0.85, 0.84, 0.82, 0.86]
    b = [0.79, 0.80, 0.81, 0.80, 0.82, 0.79, 0.83]
    result = paired_comparison(a, b)
    assert result.n == 7
    assert result.wilcoxon_p == pytest.approx(stats.wilcoxon(a, b).pvalue)
    assert result.t_p == pytest.approx(stats.ttest_rel(a, b).pvalue)
    difference = np.subtract(a, b)
    assert result.mean_difference == pytest.approx(difference.mean())
    assert result.effect_size == pytest.approx(difference.mean() / difference.std(ddof=1))
    assert result.note == ""


def test_too_few_seeds_is_said():
    assert "too few seeds" in paired_comparison([0.8], [0.7]).note
    assert math.isnan(paired_comparison([0.8], [0.7]).wilcoxon_p)
    small = paired_comparison([0.8, 0.81, 0.82], [0.7, 0.72, 0.71])
    assert "cannot reach p < 0.05" in small.note and small.wilcoxon_p == pytest.approx(0.25)
    assert paired_comparison([0.8, float("nan")], [0.7, 0.6]).n == 1  # pairs with a NaN are dropped


def test_holm_by_hand():
    # sorted p: 0.01 (x3 = 0.03), 0.02 (x2 = 0.04), 0.04 (x1 = 0.04, monotone); NaN stays NaN
    adjusted = holm([0.04, 0.01, float("nan"), 0.02])
    assert adjusted[0] == pytest.approx(0.04) and adjusted[1] == pytest.approx(0.03)
    assert math.isnan(adjusted[2]) and adjusted[3] == pytest.approx(0.04)


def test_tost_by_hand():
    from latentsweep.report.statistics import tost

    b = np.array([0.80, 0.81, 0.79, 0.82, 0.80])
    d = np.array([0.001, -0.002, 0.0015, 0.0005, -0.001])  # mean 0, sd sqrt(8.5e-6 / 4) = 1.4577e-3
    found = tost(b + d, b, margin=0.005)
    se = math.sqrt(8.5e-6 / 4) / math.sqrt(5)
    # t = (0 + 0.005) / se = 7.670, 4 degrees of freedom: P(T > 7.670) = 0.000777 (both one-sided tests alike)
    assert found.p == pytest.approx(0.000777, abs=2e-6) and found.equivalent and found.n == 5
    assert found.interval == pytest.approx((-2.1318 * se, 2.1318 * se), abs=1e-7)  # t(0.95, 4) = 2.1318
    wide = tost(b + 10 * d + 0.003, b, margin=0.005)  # mean +0.003, sd 1.4577e-2: the interval runs past 0.005
    assert not wide.equivalent and wide.interval[1] > 0.005 and wide.p > 0.05
    assert not tost([0.5], [0.4], 0.005).equivalent  # one pair: no test
