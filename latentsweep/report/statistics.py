"""The statistics a paper reports: mean and corrected standard deviation (n - 1, as the thesis), t confidence
intervals, paired tests over shared seeds (Wilcoxon signed-rank and paired t, from scipy) with an effect
size, and Holm's correction over a family of tests (statsmodels). Nothing here is hand-written that a
library computes; too few pairs for a test is said, never hidden."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

MIN_PAIRS = 2  # fewer pairs than this: no test at all


def mean_std(values: Sequence[float]) -> tuple[float, float]:
    """Mean and corrected sample standard deviation (ddof 1; NaN for fewer than two values)."""
    array = np.asarray(values, dtype=np.float64)
    array = array[np.isfinite(array)]
    if array.size == 0:
        return math.nan, math.nan
    return float(array.mean()), float(array.std(ddof=1)) if array.size > 1 else math.nan


def confidence_interval(
    values: Sequence[float] | np.ndarray, level: float = 0.95, *, bounds: tuple[float, float] | None = None
) -> tuple[float, float]:
    """The t confidence interval of the mean (NaN for fewer than two values), clipped to `bounds` where the
    quantity has a range (an accuracy's [0, 1]: with few seeds the t interval runs past it)."""
    from scipy import stats

    array = np.asarray(values, dtype=np.float64)
    array = array[np.isfinite(array)]
    if array.size < 2:
        return math.nan, math.nan
    mean, sem = array.mean(), stats.sem(array)
    if sem == 0:
        return float(mean), float(mean)
    low, high = stats.t.interval(level, array.size - 1, loc=mean, scale=sem)
    if bounds is not None:
        low, high = max(low, bounds[0]), min(high, bounds[1])
    return float(low), float(high)


@dataclass(frozen=True)
class PairedComparison:
    """a vs b over n shared seeds: mean difference (a - b), Wilcoxon signed-rank and paired t p-values
    (two-sided), Cohen's d_z (mean difference / sd of the differences), and a note when no test ran."""

    n: int
    mean_difference: float
    wilcoxon_p: float
    t_p: float
    effect_size: float
    note: str = ""


def paired_comparison(a: Sequence[float], b: Sequence[float]) -> PairedComparison:
    """Compares paired values (the same seeds); pairs with a NaN are dropped."""
    from scipy import stats

    x, y = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    keep = np.isfinite(x) & np.isfinite(y)
    x, y = x[keep], y[keep]
    n = int(x.size)
    if n == 0:
        return PairedComparison(0, math.nan, math.nan, math.nan, math.nan, "no shared seeds")
    difference = x - y
    mean_difference = float(difference.mean())
    if n < MIN_PAIRS:
        return PairedComparison(n, mean_difference, math.nan, math.nan, math.nan, f"too few seeds for a test (n={n})")
    spread = float(difference.std(ddof=1))
    if spread > 0:
        effect = mean_difference / spread
    else:
        effect = math.copysign(math.inf, mean_difference) if mean_difference else 0.0
    if np.all(difference == 0):
        return PairedComparison(n, 0.0, 1.0, 1.0, 0.0, "identical on every seed")
    wilcoxon_p = float(stats.wilcoxon(x, y).pvalue)
    t_p = float(stats.ttest_rel(x, y).pvalue) if spread > 0 else 0.0
    note = "" if n >= 6 else f"n={n}: the Wilcoxon test cannot reach p < 0.05 with fewer than 6 pairs"
    return PairedComparison(n, mean_difference, wilcoxon_p, t_p, float(effect), note)


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm-adjusted p-values of a family (NaNs stay NaN and are not counted)."""
    from statsmodels.stats.multitest import multipletests

    values = np.asarray(p_values, dtype=np.float64)
    adjusted = np.full(values.shape, math.nan)
    finite = np.isfinite(values)
    if finite.any():
        adjusted[finite] = multipletests(values[finite], method="holm")[1]
    return adjusted.tolist()


@dataclass(frozen=True)
class Equivalence:
    """Two one-sided tests (TOST, Schuirmann 1987) that a paired mean difference lies within +-margin."""

    n: int
    mean_difference: float
    interval: tuple[float, float]  # the (1 - 2 alpha) t interval: inside +-margin exactly when TOST rejects
    p: float  # the larger of the two one-sided p-values
    equivalent: bool


def tost(a: Sequence[float], b: Sequence[float], margin: float, alpha: float = 0.05) -> Equivalence:
    """Two one-sided paired t-tests (statsmodels' ttost_paired) that mean(a - b) lies within +-margin:
    equivalent when the larger one-sided p is below alpha, which is when the (1 - 2 alpha) t interval of the
    mean difference lies inside +-margin. Pairs with a NaN are dropped."""
    from statsmodels.stats.weightstats import ttost_paired

    x, y = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    keep = np.isfinite(x) & np.isfinite(y)
    x, y = x[keep], y[keep]
    n = int(x.size)
    mean = float(np.mean(x - y)) if n else math.nan
    if n < MIN_PAIRS:
        return Equivalence(n, mean, (math.nan, math.nan), math.nan, False)
    interval = confidence_interval(x - y, 1 - 2 * alpha)
    if np.all(x - y == mean):  # no spread: the t statistics are infinite
        inside = abs(mean) < margin
        return Equivalence(n, mean, (mean, mean), 0.0 if inside else 1.0, inside)
    p = float(ttost_paired(x, y, -margin, margin)[0])
    return Equivalence(n, mean, interval, p, p < alpha)
