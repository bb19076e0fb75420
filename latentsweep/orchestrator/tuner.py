"""`latentsweep tune`: Optuna searches the strategy's weights on the sweep's own workers.

A thin client of the representation stage, the executor and the trial ledger. Optuna is asked for a
trial whenever a worker is free (several in flight; TPE's constant liar keeps parallel asks apart); each
Optuna trial runs as one pack whose members are the search seeds. After every AL iteration the pack's
events give Optuna the mean validation accuracy over the seeds (or, for the Wilcoxon pruner, each seed's
at that iteration as one instance), and a pruned trial's pack is stopped at once. The objective is the
mean over seeds of the area under the validation curve (or the final validation accuracy, or the one at
a label count): test accuracy is never seen by the search. Every seed lands in the Parquet store, tagged
with the study and the trial number; a strategy asked for again is read back, not run again (a pruned
one is pruned again from its stored seeds). The search ends with an honest number: the best strategy,
random and a reference strategy on fresh seeds, with test accuracy and paired tests.
"""

from __future__ import annotations

import collections
import time
from dataclasses import dataclass, field
from pathlib import Path

import optuna
import ray

from ..config import ConfigError
from ..config.snapshot import describe_tune
from ..config.tune import TuneConfig
from ..data import Splits
from ..engine import PASSIVE, ClassifierSpec, StrategySpec, TrialResult, TrialSpec
from ..protocols import TrialStatus
from ..results import ResultStore
from ..results.schema import FINAL_COMPARISON
from .executor import Executor, Job, JobKind
from .ledger import TrialLedger
from .objective import SeedOutcome, curve_column, objective_value, read_seeds, report_step
from .outcome import timed
from .plan import pack_cap, splits_rule
from .progress import Display
from .representations import representation_job
from .session import Session
from .status import Stage
from .study import best_or_none, make_storage, open_study, suggest, suggest_classifier
from .tune_checks import check_learner, check_needs, load_tune_data
from .tune_outcome import TuneOptions, TuneOutcome

FINAL = FINAL_COMPARISON  # the study tag's suffix of the final comparison's trials


@dataclass
class _Running:
    trial: optuna.trial.Trial
    strategy: StrategySpec
    classifier: ClassifierSpec
    specs: list[TrialSpec]
    job_key: str
    steps: dict[int, dict[str, float]] = field(default_factory=lambda: collections.defaultdict(dict))
    stored: dict[str, SeedOutcome] = field(default_factory=dict)
    pruned: bool = False
    followers: list = field(default_factory=list)  # later Optuna trials that asked for the same strategy


def run_tune(config: TuneConfig, options: TuneOptions, display: Display | None = None) -> TuneOutcome:
    """Runs (or continues) the study until its trial budget is spent, then the final comparison. Bad input
    raises before any work; an interruption (Ctrl-C, SIGTERM, SIGHUP) ends it with what is stored."""
    outcome = TuneOutcome(folder=Path(options.results) / config.name, study=config.study_name)
    timed(outcome, lambda outcome: _run_tune(config, options, display, outcome))
    return outcome


def _run_tune(config: TuneConfig, options: TuneOptions, display: Display | None, outcome: TuneOutcome) -> None:
    splits = load_tune_data(config)
    check_needs(config, splits)
    check_learner(config)
    store = ResultStore(Path(options.results), config.name)
    store.check()
    url = options.storage or config.settings.storage
    session = Session(f"tune {config.study_name}", ray_config=config.ray, plugins=config.plugins, options=options,
                      outcome=outcome, unit="trials", display=display, tracking=config.tracking)  # fmt: skip
    with session.open(store):
        store.open({"name": config.name, "kind": "tune", "study": config.study_name, "data": config.data.describe()})
        store.update_info(
            "split", splits_rule(config.data), class_counts=splits.class_counts(),
            data_fingerprint=splits.fingerprint(), config=describe_tune(config), config_text=config.text,
            report={"metric": config.settings.metric},
        )  # fmt: skip
        outcome.storage = url or str(store.folder / "study.journal")
        study, outcome.requeued = open_study(config, make_storage(url, store.folder))
        search = _Search(config, study, store, session, outcome, options)
        with session.live():
            latent = search.representation(splits)
            search.run(latent)
            search.final(latent)
        _conclude(study, outcome, store)


def _failed_for_good(trial) -> bool:
    """A trial failed by its seeds' errors: it counts against the budget as a finished one does (else a study
    whose every trial fails asks for trials for ever); a suggestion refused or a crash's orphan does not."""
    return trial.user_attrs.get("error") is not None


def _conclude(study: optuna.Study, outcome: TuneOutcome, store: ResultStore) -> None:
    states = collections.Counter(t.state for t in study.get_trials(deepcopy=False))
    outcome.complete = states[optuna.trial.TrialState.COMPLETE]
    outcome.pruned = states[optuna.trial.TrialState.PRUNED]
    outcome.failed = states[optuna.trial.TrialState.FAIL]
    best = best_or_none(study)
    if best is None:
        return
    outcome.best_value, outcome.best_params = best.value, dict(best.params)
    outcome.best_strategy = best.user_attrs.get("strategy", "")
    if "classifier" in best.user_attrs:
        outcome.best_strategy += f" with {best.user_attrs['classifier']}"
    from ..report.tuning import param_importances, study_figures

    if outcome.complete >= 2:
        outcome.importances = param_importances(study)

    outcome.figures = study_figures(study, store.folder / "figures")


class _Search:
    """The ask / run / report / tell loop of one study on the executor."""

    def __init__(self, config: TuneConfig, study, store, session: Session, outcome: TuneOutcome, options):
        self.config, self.study, self.store = config, study, store
        self.session, self.status, self.display = session, session.status, session.display
        self.outcome: TuneOutcome = outcome
        self.n_workers = session.n_workers
        self.running: dict[int, _Running] = {}
        self.by_spec: dict[str, int] = {}
        self.final_tag: dict[str, str] = {}
        self.ledger = TrialLedger(
            store, self.status, self._tags, on_iteration=self._iteration, on_stored=self._stored, count_units=False,
            tracker=session.tracker,
        )
        self.executor: Executor | None = None
        self.budget = options.trials or config.settings.trials
        self.in_flight = config.settings.in_flight or self.n_workers
        self.stored = store.stored_status()
        done = (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED)
        trials = study.get_trials(deepcopy=False)
        self.finished = sum(1 for t in trials if t.state in done or _failed_for_good(t))

    def _tags(self, spec: TrialSpec) -> dict:
        if spec.id in self.final_tag:
            return {"study": self.final_tag[spec.id]}
        return {"study": self.config.study_name, "optuna_trial": self.by_spec.get(spec.id)}

    # -- the representation ---------------------------------------------------------------------

    def representation(self, splits: Splits):
        strategies = [self.config.reference, StrategySpec(uncertainty=PASSIVE)]
        searched = set(getattr(self.config.space.get("representativeness"), "options", ()))
        searched |= {self.config.fixed.get("representativeness")}
        measures = frozenset(m for m in searched if m not in (None, "none")) | {
            s.representativeness for s in strategies if s.representativeness is not None and s.uses_representativeness()
        }
        distances = set(getattr(self.config.space.get("distance"), "options", ()))
        distances |= {self.config.fixed.get("distance", "euclidean")}
        job = representation_job(self.config.representation, splits, "data", measures, frozenset(distances))
        stage = self.session.representations([job], {"data": splits})
        if job.representation_id in stage.failures:
            raise ConfigError(f"representations[0]: training failed: {stage.failures[job.representation_id]}")
        self.representation_id = job.representation_id
        self.dataset = splits.name
        return ray.put(stage.latents[job.representation_id])

    def _specs(self, strategy: StrategySpec, seeds, classifier: ClassifierSpec) -> list[TrialSpec]:
        return [
            TrialSpec(self.dataset, self.representation_id, strategy, classifier, self.config.budget, seed)
            for seed in seeds
        ]

    # -- the search -----------------------------------------------------------------------------

    def _tell(self, trial, value: float | None = None, state=None) -> None:
        self.study.tell(trial, value, state=state)
        if state in (None, optuna.trial.TrialState.PRUNED) or _failed_for_good(trial):
            self.finished += 1
        self.status.set_done(self.finished, self.budget)
        self._notes()

    def run(self, latent) -> None:
        self.status.begin(Stage.SEARCH)
        self.status.set_done(self.finished, self.budget)
        self._notes()
        self.latent = latent
        self.executor = self.session.executor()
        started = time.monotonic()
        self.session.run_jobs(self.executor, self._next_job, on_events=self._events, on_failed=self._failed)
        self.outcome.search_seconds = time.monotonic() - started

    def _next_job(self) -> Job | None:
        while self.finished + self._pending() < self.budget and len(self.running) < self.in_flight:
            trial = self.study.ask()
            try:
                strategy = suggest(trial, self.config)
                classifier = suggest_classifier(trial, self.config)
            except ConfigError as error:
                self._tell(trial, state=optuna.trial.TrialState.FAIL)
                self.display.message(f"trial {trial.number}: {error}")
                continue
            trial.set_user_attr("strategy", strategy.label())
            if self.config.classifier_space:
                trial.set_user_attr("classifier", classifier.label())
            specs = self._specs(strategy, self.config.seeds, classifier)
            twin = next(
                (r for r in self.running.values() if (r.strategy, r.classifier) == (strategy, classifier)), None
            )
            if twin is not None:  # the same strategy is running now: share its result, run nothing twice
                twin.followers.append(trial)
                continue
            settled = self._settled(specs)
            if len(settled) == len(specs) or any(seed.status != TrialStatus.OK for seed in settled.values()):
                self._conclude_trials([trial], specs, settled)
                self.outcome.reused += 1
                continue
            for spec in specs:
                self.by_spec[spec.id] = trial.number
            to_run = [spec for spec in specs if spec.id not in settled]
            self.ledger.add(to_run)
            self.ledger.skip(settled)
            key = f"trial-{trial.number}"
            self.running[trial.number] = running = _Running(trial, strategy, classifier, specs, key, stored=settled)
            for trial_id, seed in settled.items():
                for step, (_, accuracy) in enumerate(seed.curve):
                    running.steps[step][trial_id] = accuracy
            self.outcome.ran += 1
            return Job(key, JobKind.PACK, self.ledger.arguments(specs, self.latent), len(to_run), trials=tuple(specs))
        return None

    def _pending(self) -> int:
        """Optuna trials asked and not told yet (running, or waiting on a running twin)."""
        return len(self.running) + sum(len(r.followers) for r in self.running.values())

    def _settled(self, specs: list[TrialSpec]) -> dict[str, SeedOutcome]:
        """The seeds whose outcome is stored for good, read back: finished or pruned ones, and failed ones
        stored by this run (a failure stored by an earlier run is run again, as `run` does)."""
        ids = [
            spec.id
            for spec in specs
            if self.stored.get(spec.id) in (TrialStatus.OK, TrialStatus.PRUNED)
            or (spec.id in self.stored and self.ledger.stored(spec.id))
        ]
        return read_seeds(self.store, ids, curve_column(self.config))

    def _iteration(self, trial_id: str, record) -> None:
        number = self.by_spec.get(trial_id)
        running = None if number is None else self.running.get(number)
        if running is None or running.pruned:
            return
        step = running.steps[record.iteration]
        step[trial_id] = record.score(curve_column(self.config))
        if not all(s.id in step for s in running.specs if s.id not in running.stored):
            return
        report_step(running.trial, self.config.settings.pruner, running.specs, record.iteration, step)
        if record.iteration < self.config.budget.iterations and running.trial.should_prune():
            running.pruned = True
            assert self.executor is not None  # records come from the executor's jobs
            self.executor.stop(running.job_key, [s.id for s in running.specs])

    def _stored(self, result: TrialResult) -> None:
        if result.error:
            self.outcome.failures.append(f"{result.spec.strategy.label()} seed {result.spec.seed}: {result.error}")
        if result.spec.id in self.final_tag:
            return
        number = self.by_spec.get(result.spec.id)
        running = None if number is None else self.running.get(number)
        if number is None or running is None:
            return
        running.stored[result.spec.id] = SeedOutcome.of(result, curve_column(self.config))
        self.stored[result.spec.id] = result.status
        if len(running.stored) < len(running.specs):
            return
        del self.running[number]
        trials = [running.trial, *running.followers]
        # the seeds' stored outcome decides, not the pruner's verdict: a stop that reached the pack after every
        # seed had finished leaves full curves stored as finished, and the trial is complete, as it is when the
        # same strategy is asked for again and read back
        self._conclude_trials(trials, running.specs, running.stored, reported=running.trial)

    def _conclude_trials(self, trials, specs, seeds: dict[str, SeedOutcome], reported=None) -> None:
        """Tells Optuna the outcome of trials from their stored seeds: a pruned seed prunes them (a trial that
        reported nothing first gets the intermediate values the seeds reached), a failed one fails them, and
        seeds all finished give the objective."""
        specs = [spec for spec in specs if spec.id in seeds]  # a pruned or failed seed decides for the rest
        outcome = [seeds[spec.id] for spec in specs]
        for trial in trials:
            if any(seed.status == TrialStatus.PRUNED for seed in outcome):
                if trial is not reported:
                    for iteration in range(min(len(seed.curve) for seed in outcome)):
                        step = {spec.id: seeds[spec.id].curve[iteration][1] for spec in specs}
                        report_step(trial, self.config.settings.pruner, specs, iteration, step)
                self._tell(trial, state=optuna.trial.TrialState.PRUNED)
            elif any(seed.status == TrialStatus.FAILED for seed in outcome):
                trial.set_user_attr("error", next(seed.error for seed in outcome if seed.status == TrialStatus.FAILED))
                self._tell(trial, state=optuna.trial.TrialState.FAIL)
            else:
                self._tell(trial, objective_value(self.config, [seed.curve for seed in outcome]))

    def _events(self, job: Job, events: list) -> None:
        self.ledger.events(events, job.attempts)

    def _failed(self, job: Job, text: str) -> None:
        self.ledger.fail(list(job.trials), text, job.attempts)

    def _notes(self) -> None:
        best = best_or_none(self.study)
        states = collections.Counter(t.state.name for t in self.study.get_trials(deepcopy=False))
        notes = [
            f"complete {states['COMPLETE']}, pruned {states['PRUNED']}, failed {states['FAIL']}, "
            f"in flight {len(self.running)}"
        ]
        if best is not None:
            notes.append(f"best {best.value:.4f} (trial {best.number}): {best.user_attrs.get('strategy', '')}")
        self.status.note(*notes)

    # -- the honest final number ----------------------------------------------------------------

    def final(self, latent) -> None:
        """The best strategy, random and the reference on fresh seeds, with test accuracy."""
        best = best_or_none(self.study)
        seeds = self.config.final_seeds()
        if best is None or not seeds:
            return
        classifier = suggest_classifier(optuna.trial.FixedTrial(best.params), self.config)  # the best one's for all
        strategies = {
            "best": suggest(optuna.trial.FixedTrial(best.params), self.config),
            "random": StrategySpec(uncertainty=PASSIVE),
            "reference": self.config.reference,
        }
        specs = {name: self._specs(strategy, seeds, classifier) for name, strategy in strategies.items()}
        everything = list(dict.fromkeys(spec for group in specs.values() for spec in group))
        for spec in everything:
            self.final_tag[spec.id] = f"{self.config.study_name}/{FINAL}"
        to_run = [spec for spec in everything if self.stored.get(spec.id) != TrialStatus.OK]
        self.status.begin(Stage.FINAL, unit="iterations")
        self.status.note()
        if to_run:
            self.ledger.count_units = True
            cap = pack_cap(self.config.ray.pack_size, self.session.worker_gpus > 0, [classifier])
            jobs = self.ledger.pack_jobs(
                to_run, n_workers=self.n_workers, cap=cap, latent_of=lambda pack: latent, prefix="final"
            )
            self.ledger.run_jobs(self.session, self.executor or self.session.executor(), jobs)
        from ..report.tuning import final_table

        self.outcome.final_table = final_table(
            self.store,
            specs,
            strategies,
            seeds,
            metric=self.config.settings.metric,
            classifier=classifier.label() if self.config.classifier_space else None,
        )
