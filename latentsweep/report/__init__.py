"""Reading results as a paper does: statistics, tables and figures, from the store alone. The only
package that imports matplotlib."""

from .build import Report, short_table, strategy_groups, write_report
from .data import ALL_LABELS, ReportError, SweepResults, load_results
from .documents import markdown
from .statistics import PairedComparison, confidence_interval, holm, mean_std, paired_comparison
from .tables import classifier_table, comparisons_table, summary_table, table_one

__all__ = [
    "ALL_LABELS",
    "PairedComparison",
    "Report",
    "ReportError",
    "SweepResults",
    "classifier_table",
    "comparisons_table",
    "confidence_interval",
    "holm",
    "load_results",
    "markdown",
    "mean_std",
    "paired_comparison",
    "short_table",
    "strategy_groups",
    "summary_table",
    "table_one",
    "write_report",
]
