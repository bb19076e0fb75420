"""Optuna, used as it is: storage (a journal file by default, any RDB URL), samplers, pruners, the search
space turned into suggestions, and the recovery of trials a crash left running."""

from __future__ import annotations

import contextlib
import logging
import math
import time
import warnings
from pathlib import Path

import optuna
from optuna.storages.journal import JournalFileBackend

from ..config import ConfigError
from ..config import readers as read
from ..config.strategies import strategy
from ..config.tune import Choice, TuneConfig, pairs, searched_classifier
from ..engine import ClassifierSpec, StrategySpec
from .signals import held

optuna.logging.set_verbosity(logging.WARNING)

REQUEUED = "latentsweep_requeued"  # user attribute of a crashed trial whose parameters were enqueued again


def journal_path(folder: Path) -> Path:
    return folder / "study.journal"


def repair_journal(path: Path) -> Path | None:
    """A crash while Optuna appended leaves a last line without its newline; Optuna would then append to
    it and break the file. The torn bytes are cut (and kept in `<journal>.torn-<time>`); returns that file."""
    if not path.exists() or path.stat().st_size == 0:
        return None
    with open(path, "rb") as stream:
        data = stream.read()
    if data.endswith(b"\n"):
        return None
    cut = data.rfind(b"\n") + 1
    kept = path.with_name(f"{path.name}.torn-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}")
    kept.write_bytes(data[cut:])
    with open(path, "r+b") as stream:
        stream.truncate(cut)
    return kept


class HeldBackend(JournalFileBackend):
    """Optuna's journal file, whose writes no signal cuts in half (`signals.held`)."""

    def append_logs(self, logs) -> None:
        with held():
            super().append_logs(logs)


def make_storage(url: str | None, folder: Path):
    """A journal file in the sweep folder (None) or the RDB at `url` (sqlite:///..., postgresql://...)."""
    if url is None:
        from optuna.storages.journal import JournalStorage

        path = journal_path(folder)
        repair_journal(path)
        return JournalStorage(HeldBackend(str(path)))
    try:
        return optuna.storages.RDBStorage(url, heartbeat_interval=None)
    except (ImportError, ModuleNotFoundError) as error:
        raise ConfigError(f"--storage {url}: its database driver is not installed ({error})") from None
    except Exception as error:  # SQLAlchemy raises many kinds for a bad URL
        raise ConfigError(
            f"--storage {url}: cannot open ({type(error).__name__}: {str(error).splitlines()[0]})"
        ) from None


def open_study(config: TuneConfig, storage) -> tuple[optuna.Study, int]:
    """The study in `storage`, created or continued: its objective and metric as user attributes, the trials
    a crash left running failed and their parameters enqueued once more, and the sampler seeded past the
    trials it already has. Returns the study and how many trials were enqueued again."""
    study = optuna.create_study(
        study_name=config.study_name,
        storage=storage,
        load_if_exists=True,
        direction="maximize",
        sampler=optuna.samplers.RandomSampler(),  # replaced below, once the study's size is known
        pruner=make_pruner(config),
    )
    study.set_user_attr("objective", config.settings.objective)
    study.set_user_attr("metric", config.settings.metric)
    requeued = recover_orphans(study)
    study.sampler = make_sampler(config, offset=len(study.trials))
    return study, requeued


def make_sampler(config: TuneConfig, offset: int = 0) -> optuna.samplers.BaseSampler:
    """The configured sampler, seeded with the tune seed plus `offset` (the trials the study already has,
    so that a continued study does not replay its first suggestions): TPE is multivariate with
    constant_liar, so parallel asks differ."""
    settings = config.settings
    seed = settings.seed + offset
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        if settings.sampler == "tpe":
            startup = min(10, max(2, settings.trials // 4))
            return optuna.samplers.TPESampler(
                seed=seed, multivariate=True, constant_liar=True, n_startup_trials=startup
            )
        if settings.sampler == "gp":
            return optuna.samplers.GPSampler(seed=seed)
        if settings.sampler == "cmaes":
            return optuna.samplers.CmaEsSampler(seed=seed)
        if settings.sampler == "qmc":
            return optuna.samplers.QMCSampler(seed=seed)
        return optuna.samplers.RandomSampler(seed=seed)


def make_pruner(config: TuneConfig) -> optuna.pruners.BasePruner:
    settings = config.settings
    if settings.pruner == "median":
        warmup = max(1, config.budget.iterations // 4)
        return optuna.pruners.MedianPruner(n_startup_trials=settings.startup_trials, n_warmup_steps=warmup)
    if settings.pruner == "hyperband":
        return optuna.pruners.HyperbandPruner(min_resource=1, max_resource=config.budget.iterations + 1)
    if settings.pruner == "wilcoxon":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            return optuna.pruners.WilcoxonPruner(p_threshold=0.1, n_startup_steps=2 * len(config.seeds))
    return optuna.pruners.NopPruner()


def suggest(trial: optuna.trial.BaseTrial, config: TuneConfig) -> StrategySpec:
    """The strategy of an Optuna trial: fixed fields plus suggested ones. A pair of weights searched
    together (alpha and beta, or their ends) comes from its sum and alpha's share of it, which cover the
    triangle alpha + beta <= 1 exactly."""
    values = dict(config.fixed)
    paired = set()
    for first, second in pairs():
        if first in config.space and second in config.space:
            total = trial.suggest_float(f"{first}+{second}", 0.0, 1.0)
            share = trial.suggest_float(f"{first}/({first}+{second})", 0.0, 1.0)
            values[first], values[second] = total * share, total * (1.0 - share)
            paired |= {first, second}
    for name, dimension in config.space.items():
        if name in paired:
            continue
        if isinstance(dimension, Choice):
            values[name] = trial.suggest_categorical(name, list(dimension.options))
        elif dimension.integer:
            values[name] = trial.suggest_int(
                name, math.ceil(dimension.low), math.floor(dimension.high), log=dimension.log
            )
        else:
            high = dimension.high
            for first, second in pairs():  # one weight searched, the other fixed: keep their sum <= 1
                if name in (first, second):
                    other = second if name == first else first
                    high = min(high, 1.0 - float(values.get(other, 0.0)))
            values[name] = trial.suggest_float(name, dimension.low, max(dimension.low, high), log=dimension.log)
    return strategy("tune", values, drop_unused=True)


def suggest_classifier(trial: optuna.trial.BaseTrial, config: TuneConfig) -> ClassifierSpec:
    """The classifier of an Optuna trial: the config's, with its searched fields suggested (a choice of
    layer lists is suggested by its label, '512-512')."""
    values = {}
    for name, dimension in config.classifier_space.items():
        if isinstance(dimension, Choice):
            labels = [_label(option) for option in dimension.options]
            values[name] = dimension.options[labels.index(trial.suggest_categorical(name, labels))]
        elif dimension.integer:
            values[name] = trial.suggest_int(
                name, math.ceil(dimension.low), math.floor(dimension.high), log=dimension.log
            )
        else:
            values[name] = trial.suggest_float(name, dimension.low, dimension.high, log=dimension.log)
    return read.build("tune.space.classifier", lambda: searched_classifier(config.classifier, values))


def _label(option):
    return "-".join(map(str, option)) if isinstance(option, tuple) else option


def recover_orphans(study: optuna.Study) -> int:
    """Trials a crashed driver left RUNNING: marked failed, and their parameters enqueued once again
    (once: the failed trial remembers it). Returns how many were enqueued."""
    enqueued = 0
    storage = study._storage
    for trial in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,)):
        requeue = not trial.user_attrs.get(REQUEUED) and bool(trial.params)
        if requeue:
            storage.set_trial_user_attr(trial._trial_id, REQUEUED, True)
        storage.set_trial_state_values(trial._trial_id, optuna.trial.TrialState.FAIL)
        if requeue:
            study.enqueue_trial(trial.params, user_attrs={"latentsweep_requeued_from": trial.number})
            enqueued += 1
    return enqueued


def best_or_none(study: optuna.Study) -> optuna.trial.FrozenTrial | None:
    with contextlib.suppress(ValueError):
        return study.best_trial
    return None


def describe_params(params: dict) -> str:
    return ", ".join(f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}" for k, v in params.items())
