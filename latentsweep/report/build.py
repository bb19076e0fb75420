"""`latentsweep report`: every table and figure of a sweep folder, as CSV, PNG/SVG, report.md and one
self-contained report.html (figures embedded, no network), from the stored tables alone."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..engine import PASSIVE, BudgetSpec
from ..errors import listing
from ..protocols import TrialStatus
from ..results import atomic_write_bytes
from ..strategies import BATCH_SELECTION
from . import figures
from .data import ACCURACY, ALL_LABELS, Metric, ReportError, SweepResults, load_results, with_metric
from .documents import markdown, write_documents
from .learners import fit_section, fit_table, underfit_lines
from .stopping import stop_points, stopping_section, stopping_table
from .tables import classifier_table, comparisons_table, readable_summary, summary_table, table_one


@dataclass
class Report:
    """What a report wrote: its folder, files, and the short table `run` prints."""

    folder: Path
    files: list[Path] = field(default_factory=list)
    summary: pd.DataFrame = field(default_factory=pd.DataFrame)
    comparisons: pd.DataFrame = field(default_factory=pd.DataFrame)
    curves: pd.DataFrame = field(default_factory=pd.DataFrame)
    classifiers: pd.DataFrame = field(default_factory=pd.DataFrame)
    text: str = ""
    metric: Metric = ACCURACY
    colours: dict = field(default_factory=dict)  # one colour per strategy, in every figure of the report
    underfit: list[str] = field(default_factory=list)  # a line per learner that did not fit its labels

    def add(self, name: str, table: pd.DataFrame) -> None:
        """Appends a budget's part of a table (the CSVs hold every budget, with a `budget` column)."""
        current = getattr(self, name)
        setattr(self, name, table if current.empty else pd.concat([current, table], ignore_index=True))


def strategy_groups(trials: pd.DataFrame, metric: Metric = ACCURACY) -> dict[str, list[str]]:
    """The thesis' groupings of strategies into figures: uncertainty x batch rule (x subsample); each
    gamma of the representativeness measures; each batch rule that has parameters of its own (greedy with
    its distances and weights). Groups with a measure or a parametrised rule also show the best plain
    strategy and passive learning, for reference. Read from the stored fields and the registries."""
    ok = trials[(trials.status == TrialStatus.OK) & (trials.row != ALL_LABELS)]
    if ok.empty:
        return {}
    first = ok.drop_duplicates("row").set_index("row")
    means = ok.groupby("row")[metric.test].mean()

    def has_params(batch: str) -> bool:
        return batch in BATCH_SELECTION and bool(BATCH_SELECTION.declared(batch).params)

    passive = [r for r in first.index if first.loc[r, "uncertainty"] == PASSIVE]
    plain = [
        r
        for r in first.index
        if r not in passive and pd.isna(first.loc[r, "representativeness"]) and not has_params(first.loc[r, "batch"])
    ]
    groups = {"uncertainty and batch selection": plain + passive}
    reference = ([max(plain, key=lambda r: means[r])] if plain else []) + passive
    measured = [
        r
        for r in first.index
        if not pd.isna(first.loc[r, "representativeness"]) and not has_params(first.loc[r, "batch"])
    ]
    for gamma in sorted({float(first.loc[r, "gamma"]) for r in measured}):
        members = [r for r in measured if float(first.loc[r, "gamma"]) == gamma]
        groups[f"representativeness at gamma = {gamma:g}"] = members + reference
    for batch in sorted({first.loc[r, "batch"] for r in first.index if has_params(first.loc[r, "batch"])}):
        members = [r for r in first.index if first.loc[r, "batch"] == batch and r not in passive]
        groups[f"batch rule {batch}"] = members + reference
    return {name: list(dict.fromkeys(members)) for name, members in groups.items() if members}


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:60]


def write_report(
    folder: str | Path,
    out: str | Path | None = None,
    *,
    at: tuple[int, ...] = (),
    baseline: str | None = None,
    fraction: float = 0.95,
    with_figures: bool = True,
    metric: str | None = None,
) -> Report:
    """Writes the report of sweep folder `folder` into `out` (default: folder/report).

    baseline: the strategy the others are compared with; None is random where the sweep has it. metric:
    what every table, test and figure scores (`engine.metrics.METRICS`); None is the config's [report]
    metric (sweep.json), else accuracy. A baseline or an `at` label count the sweep does not have, or a
    metric it never measured, is a ReportError, before anything is written."""
    results = load_results(folder)
    _check_options(results, at, baseline)
    chosen = with_metric(results, metric or results.info.get("report", {}).get("metric", "accuracy"))
    baseline = "random" if baseline is None else baseline
    out = Path(out) if out is not None else results.folder / "report"
    (out / "figures").mkdir(parents=True, exist_ok=True)
    report = Report(out, metric=chosen, colours=figures.palette(sorted(set(results.trials.get("row", [])))))
    sections: list[tuple[str, str, list[Path]]] = []  # (title, markdown table or text, figures)
    if results.kind == "tune" and results.trials.empty:
        sections.append(("Final comparison", "The study's final comparison on fresh seeds has not run yet.", []))
    if not results.trials.empty:
        for budget in results.budgets:
            _active_learning(results, budget, report, sections, at, baseline, fraction, with_figures, chosen)
        report.classifiers = classifier_table(results.trials, metric=chosen).reset_index()  # the same for every budget
        if "classifier" in report.classifiers:
            title = f"Classifiers on every pool label (Tables 5.2/5.3), test {chosen.label}"
            sections.append((title, markdown(report.classifiers), []))
        for name in ("summary", "comparisons", "curves", "classifiers"):
            if name != "classifiers" or not report.classifiers.empty:
                _csv(report, getattr(report, name), name)
        _learners_and_stopping(results, report, sections)
    if not results.query_sets.empty:
        _initial_selection(results, report, sections)
    if results.info.get("adaptive"):
        _adaptive(results.info["adaptive"], sections)
    if not results.search.empty:
        from .tuning import search_section

        sections.append(search_section(results.search, chosen))
    _documents(results, report, sections)
    return report


def _learners_and_stopping(results: SweepResults, report: Report, sections) -> None:
    """Whether the learners fitted their labels, and where each stopping criterion would have stopped."""
    fits = fit_table(results.trials)
    if not fits.empty:
        report.underfit = underfit_lines(fits)
        sections.append(("Learners: did they fit their labels?", fit_section(fits), []))
        _csv(report, fits.drop(columns=["by_steps"]), "learners")
    stopping = stopping_table(stop_points(results.curves))
    if not stopping.empty:
        sections.append(("When to stop labelling", stopping_section(stopping), []))
        _csv(report, stopping, "stopping")


def _adaptive(record: dict, sections) -> None:
    """Why the [adaptive] rule stopped adding seeds, per strategy (orchestrator.adaptive)."""
    table = pd.DataFrame(record["decisions"]).rename(columns={"mean_difference": "mean difference", "n": "seeds"})
    needed = record.get("needed", {})
    keys = [f"{d['setting']}: {d['strategy']}" if d["setting"] else d["strategy"] for d in record["decisions"]]
    table["clear at (seeds)"] = [needed.get(key) if needed.get(key) is not None else "-" for key in keys]
    table = table.drop(columns=[c for c in ("setting",) if c in table and not table[c].any()])
    text = (
        f"{len(record['seeds'])} seeds ({record['stopped']}). Rule: {record['method']}. A strategy is "
        "`different` when its interval excludes 0, `equivalent` when it lies inside the margin, `unresolved` "
        "when seeds ran out first."
    )
    sections.append(("Seeds until the answer was clear", markdown(table) + "\n\n" + text, []))


def _check_options(results: SweepResults, at: tuple[int, ...], baseline: str | None) -> None:
    """Refuses a --baseline that names no strategy of the sweep and an --at count no curve recorded."""
    if results.trials.empty:
        if baseline is not None or at:
            option = "--baseline" if baseline is not None else "--at"
            raise ReportError(f"{option}: {results.folder} has no active-learning trials to compare")
        return
    strategies = list(dict.fromkeys(results.trials.row))
    if baseline is not None and baseline not in strategies:
        shown = listing(map(repr, strategies), 12)
        raise ReportError(f"--baseline {baseline!r}: no such strategy in {results.folder}; expected one of {shown}")
    recorded = sorted(set(results.curves.n_labeled.astype(int)))
    for count in at:
        if count not in recorded:
            raise ReportError(f"--at {count}: no learning curve has {count} labels; they have {listing(recorded, 12)}")


def _csv(report: Report, table: pd.DataFrame, name: str) -> None:
    path = report.folder / f"{name}.csv"
    atomic_write_bytes(path, table.to_csv(index=False).encode())
    report.files.append(path)


def _budget_spec(trials: pd.DataFrame) -> BudgetSpec:
    learners = trials[trials.row != ALL_LABELS]
    first = (learners if not learners.empty else trials).iloc[0]
    validation = first.get("budget_validation")
    return BudgetSpec(
        initial=int(first.budget_initial),
        batch=int(first.budget_batch),
        iterations=int(first.budget_iterations),
        validation=0 if pd.isna(validation) else int(validation),
        name=first.budget,
    )


def _active_learning(
    results: SweepResults, budget: str, report, sections, at, baseline, fraction, with_figures, metric: Metric
) -> None:
    """Tables, sections and figures of one budget regime (the whole sweep when it has one); the full-data
    reference rows go with every regime. Its tables are added to the report's (with a `budget` column when
    the sweep has several regimes)."""
    several = len(results.budgets) > 1
    trials, curves = results.trials, results.curves
    if several:
        trials = trials[(trials.budget == budget) | (trials.row == ALL_LABELS)]
        curves = curves[curves.trial_id.isin(trials.trial_id)]
    spec = _budget_spec(trials)
    where = f" (budget {budget}: {spec.describe()})" if several else ""
    suffix = f"_{_slug(budget)}" if several else ""
    n_classes = len(results.info.get("class_counts", {}).get("pool", [])) or None
    summary = summary_table(trials, curves, at, fraction, metric=metric, n_classes=n_classes)
    comparisons = comparisons_table(trials, baseline, metric=metric)
    by_classifier = trials["classifier"].nunique() > 1  # each classifier's curve apart, as the tables do
    keys = ["representation", *(["classifier"] if by_classifier else []), "row", "n_labeled"]
    columns = [metric.curve, "train_accuracy"]
    means = curves[curves.status == TrialStatus.OK].groupby(keys)[columns].agg(["mean", "std", "count"])
    names = ["val_mean", "val_std", "val_n", "train_mean", "train_std", "train_n"]
    means = means.reset_index().set_axis([*keys[:-2], "strategy", "n_labeled", *names], axis=1)
    for name, table in {"summary": summary, "comparisons": comparisons, "curves": means}.items():
        report.add(name, table.assign(budget=budget) if several and not table.empty else table)
    for representation, part in readable_summary(summary, metric).groupby("representation", sort=False):
        sections.append((
            f"Test {metric.label} and learning curves: {representation}{where}",
            markdown(part.drop(columns="representation")),
            [],
        ))  # fmt: skip
    if baseline not in set(trials.row):
        sections.append(
            (
                f"Paired comparisons{where}",
                f"The baseline {baseline!r} is not among the strategies (use --baseline).",
                [],
            )
        )
    if not comparisons.empty:
        text = markdown(comparisons, digits=3) + (
            "\n\nPaired over shared seeds (a seed gives every strategy the same initial batch). Wilcoxon signed-rank "
            "and paired t-test (two-sided, scipy.stats), Holm-corrected within each representation's family "
            "(statsmodels); effect size Cohen's d_z = mean difference / sd of the differences."
        )
        sections.append((f"Paired comparisons of final test {metric.label}{where}", text, []))
    if not with_figures:
        return
    strategies = list(dict.fromkeys(summary.strategy)) if not summary.empty else []
    learners = [s for s in strategies if s != ALL_LABELS]
    directory = report.folder / "figures"
    validation = "validation" if not spec.validation else f"validation on {spec.validation} paid labels"
    title = f"{validation} {metric.label}, mean +- std over seeds{where}"
    shown = [
        (
            f"Mean {validation} {metric.label} +- corrected std{where}",
            figures.learning_curves(
                curves, learners, title, directory / f"learning_curves{suffix}", metric.curve, report.colours
            ),
        ),
        (f"Every seed{where}", figures.all_seeds(curves, learners, directory / f"all_seeds{suffix}", metric.curve)),
        (
            f"Validation and training accuracy{where}",
            figures.train_and_validation(
                curves, learners, directory / f"train_and_validation{suffix}", metric.curve, report.colours
            ),
        ),
    ]
    if spec.validation and curves[metric.heldout].notna().any():
        title = f"{metric.label} on the free validation part (not paid for){where}"
        stem = directory / f"heldout_learning_curves{suffix}"
        shown.append((title, figures.learning_curves(curves, learners, title, stem, metric.heldout, report.colours)))
    for name, members in strategy_groups(trials, metric).items():
        stem = directory / f"group_{_slug(name)}{suffix}"
        drawn = figures.learning_curves(curves, members, name + where, stem, metric.curve, report.colours)
        shown.append((f"{name}{where}", drawn))
    for title, paths in shown:
        report.files += paths
        if paths:
            sections.append((f"Figure: {title}", "", [p for p in paths if p.suffix == ".png"]))


def _initial_selection(results: SweepResults, report, sections) -> None:
    query_sets = results.query_sets
    variants = sorted(set(query_sets.variant))  # not the stored order: that follows which training ended first
    sizes = sorted(set(query_sets["size"]), reverse=True)
    accuracy, entropy = table_one(query_sets, variants, sizes)
    _csv(report, accuracy, "table1_accuracy")
    _csv(report, entropy, "table1_entropy")
    seeds = query_sets.seed.nunique()
    sections.append((
        "Table 1: test accuracy (%) of the CNN trained on each query set alone",
        markdown(accuracy) + f"\n\nMean +- corrected standard deviation over {seeds} seeds.",
        [],
    ))  # fmt: skip
    sections.append(("Class entropy of the query sets (nats; log 10 = 2.30 is balanced)", markdown(entropy), []))
    report.text = markdown(accuracy)


def _documents(results: SweepResults, report: Report, sections) -> None:
    intro = f"Sweep folder `{results.folder}`; {len(results.trials)} trials stored."
    if results.kind == "tune":
        intro = (
            f"Tuning study folder `{results.folder}`: the tables and figures are its final comparison on fresh "
            f"seeds ({len(results.trials)} trials); the {len(results.search)} trials of its search (other seeds, "
            "seen by the search) are summarised in the last section."
        )
    source = results.info.get("source")
    if source:
        intro += f" Config: `{source}` (its text and parsed form are in sweep.json)."
    report.files += write_documents(report.folder, f"latentsweep report: {results.folder.name}", intro, sections)


def short_table(summary: pd.DataFrame, metric: Metric = ACCURACY) -> str:
    """The per-strategy lines `run` prints at its end: mean +- std of the final test score and n."""
    if summary.empty:
        return ""
    labels, values = [], []
    for _, row in summary.iterrows():
        std = f" +- {row.test_std:.4f}" if math.isfinite(row.test_std) else ""
        prefix = f"budget {row.budget}: " if "budget" in summary else ""
        prefix += f"{row.representation}: " if summary.representation.nunique() > 1 else ""
        if "classifier" in summary and summary.classifier.nunique() > 1:
            prefix += f"{row.classifier}: "
        labels.append(prefix + row.strategy)
        values.append(f"{row.test_mean:.4f}{std}  (n={row.n})")
    width = max(50, *map(len, labels))
    lines = [f"  {label:{width}s} {value}" for label, value in zip(labels, values, strict=True)]
    return f"test {metric.label}, mean +- corrected std over seeds:\n" + "\n".join(lines)
