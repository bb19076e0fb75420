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
from ..config.tune import TuneConfig
from ..data import Splits
from ..engine import PASSIVE, ClassifierSpec, StrategySpec, TrialResult, TrialSpec
from ..results import RepresentationCache, ResultStore
from ..results.schema import FINAL_COMPARISON
from .cluster import address_source, check_local_gpus, cluster_resources, ray_session, resolve_gpus, worker_count
from .executor import Executor, ExecutorStatus, Job
from .ledger import TrialLedger
from .objective import SeedOutcome, curve_column, objective_value, read_seeds, report_step
from .plan import pack_cap
from .progress import Display, SweepStatus, make_display
from .representations import representation_job, run_representation_stage
from .study import best_or_none, make_pruner, make_sampler, make_storage, recover_orphans, suggest, suggest_classifier
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
    """Runs (or continues) the study until its trial budget is spent, then the final comparison."""
    started = time.monotonic()
    splits = load_tune_data(config)
    check_needs(config, splits)
    check_learner(config)
    results = Path(options.results)
    store = ResultStore(results, config.name)
    store.check()
    url = options.storage or config.settings.storage
    outcome = TuneOutcome(folder=store.folder, study=config.study_name)
    check_local_gpus(config.ray, options.address or config.ray.address)
    display = display or make_display(options.display)
    status = SweepStatus(name=f"tune {config.study_name}", unit="trials")
    address, source = options.address or config.ray.address, address_source(options.address)
    with store.lock(), ray_session(address, source=source, verbose=options.verbose):
        resources = cluster_resources()
        n_workers = worker_count(config.ray, resources, options.workers)
        representation_gpus, worker_gpus = resolve_gpus(config.ray, resources, n_workers)
        store.open({"name": config.name, "kind": "tune", "study": config.study_name, "data": config.data.describe()})
        storage = make_storage(url, store.folder)
        outcome.storage = url or str(store.folder / "study.journal")
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
        outcome.requeued = recover_orphans(study)
        study.sampler = make_sampler(config, offset=len(study.trials))
        status.resources = resources
        display.start(status)
        search = _Search(config, study, store, status, display, outcome, n_workers, options)
        try:
            latent = search.representation(splits, representation_gpus)
            search.run(latent, worker_gpus)
            search.final(latent, worker_gpus)
        except KeyboardInterrupt:
            outcome.interrupted = True
        finally:
            search.release()
            display.stop()
        _conclude(study, outcome, store)
    outcome.seconds = time.monotonic() - started
    return outcome


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

    def __init__(self, config: TuneConfig, study, store, status, display, outcome, n_workers, options):
        self.config, self.study, self.store = config, study, store
        self.status: SweepStatus = status
        self.display: Display = display
        self.outcome: TuneOutcome = outcome
        self.n_workers = n_workers
        self.options: TuneOptions = options
        self.cache = RepresentationCache(Path(options.results) / ".cache" / "representations")
        self.running: dict[int, _Running] = {}
        self.by_spec: dict[str, int] = {}
        self.final_tag: dict[str, str] = {}
        self.ledger = TrialLedger(
            store, status, self._tags, on_iteration=self._iteration, on_stored=self._stored, count_units=False
        )
        self.executor: Executor | None = None
        self.budget = options.trials or config.settings.trials
        self.in_flight = config.settings.in_flight or n_workers
        self.stored = store.stored_status()
        done = (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED)
        trials = study.get_trials(deepcopy=False)
        self.finished = sum(1 for t in trials if t.state in done or _failed_for_good(t))

    def _tags(self, spec: TrialSpec) -> dict:
        if spec.id in self.final_tag:
            return {"study": self.final_tag[spec.id]}
        return {"study": self.config.study_name, "optuna_trial": self.by_spec.get(spec.id)}

    # -- the representation ---------------------------------------------------------------------

    def representation(self, splits: Splits, gpus: float):
        self.status.enter("representations")
        self.status.representations_total = 1
        strategies = [self.config.reference, StrategySpec(uncertainty=PASSIVE)]
        measures = set(getattr(self.config.space.get("representativeness"), "options", ()))
        measures |= {self.config.fixed.get("representativeness")}
        measures = frozenset(m for m in measures if m not in (None, "none")) | {
            s.representativeness for s in strategies if s.uses_representativeness()
        }
        distances = set(getattr(self.config.space.get("distance"), "options", ()))
        distances |= {self.config.fixed.get("distance", "euclidean")}
        job = representation_job(self.config.representation, splits, "data", measures, frozenset(distances))
        stage = run_representation_stage(
            [job],
            {"data": splits},
            self.cache,
            resources=self.status.resources,
            gpus=gpus,
            max_attempts=self.config.ray.max_attempts,
            poll_seconds=self.options.poll_seconds,
            on_tick=lambda: self.display.update(self.status),
        )
        if job.representation_id in stage.failures:
            raise ConfigError(f"representations[0]: training failed: {stage.failures[job.representation_id]}")
        stage.pass_warnings(self.outcome.warnings, self.display)
        self.representation_id = job.representation_id
        self.dataset = splits.name
        self.status.representations_done = 1
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
        self.status.units_done = self.status.done = self.finished

    def run(self, latent, gpus: float) -> None:
        self.status.enter("search")
        self.status.total = self.status.units_total = self.budget
        self.status.units_done = self.status.done = self.finished
        self.latent = latent
        executor_status = ExecutorStatus()
        self.executor = Executor.for_config(
            self.config.ray,
            self.n_workers,
            plugins=self.config.plugins,
            gpus_per_worker=gpus,
            poll_seconds=self.options.poll_seconds,
            status=executor_status,
        )

        def tick() -> None:
            self.status.running = executor_status.running
            self.status.retried = executor_status.retried
            self._notes()
            self.display.update(self.status)

        started = time.monotonic()
        self.executor.run(self._next_job, on_events=self._events, on_failed=self._failed, on_tick=tick)
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
            if len(settled) == len(specs) or any(seed.status != "ok" for seed in settled.values()):
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
            return Job(key, "run_pack", self.ledger.arguments(specs, self.latent), len(to_run), trials=tuple(specs))
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
            if self.stored.get(spec.id) in ("ok", "pruned") or (spec.id in self.stored and self.ledger.stored(spec.id))
        ]
        return read_seeds(self.store, ids, curve_column(self.config))

    def _iteration(self, trial_id: str, record) -> None:
        number = self.by_spec.get(trial_id)
        running = self.running.get(number)
        if running is None or running.pruned:
            return
        step = running.steps[record.iteration]
        step[trial_id] = record.score(curve_column(self.config))
        if not all(s.id in step for s in running.specs if s.id not in running.stored):
            return
        report_step(running.trial, self.config.settings.pruner, running.specs, record.iteration, step)
        if record.iteration < self.config.budget.iterations and running.trial.should_prune():
            running.pruned = True
            self.executor.stop(running.job_key, [s.id for s in running.specs])

    def _stored(self, result: TrialResult) -> None:
        if result.error:
            self.outcome.failures.append(f"{result.spec.strategy.label()} seed {result.spec.seed}: {result.error}")
        if result.spec.id in self.final_tag:
            return
        number = self.by_spec.get(result.spec.id)
        running = self.running.get(number)
        if running is None:
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
            if any(seed.status == "pruned" for seed in outcome):
                if trial is not reported:
                    for iteration in range(min(len(seed.curve) for seed in outcome)):
                        step = {spec.id: seeds[spec.id].curve[iteration][1] for spec in specs}
                        report_step(trial, self.config.settings.pruner, specs, iteration, step)
                self._tell(trial, state=optuna.trial.TrialState.PRUNED)
            elif any(seed.status == "failed" for seed in outcome):
                trial.set_user_attr("error", next(seed.error for seed in outcome if seed.status == "failed"))
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
        self.status.notes = notes

    # -- the honest final number ----------------------------------------------------------------

    def final(self, latent, gpus: float) -> None:
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
        to_run = [spec for spec in everything if self.stored.get(spec.id) != "ok"]
        self.status.enter("final comparison")
        self.status.unit = "iterations"
        self.status.total = self.status.units_total = len(to_run)
        self.status.done = self.status.units_done = 0
        if to_run:
            self.ledger.count_units = True
            self.status.total = self.status.units_total = 0
            cap = pack_cap(self.config.ray.pack_size, gpus > 0, [classifier])
            jobs = self.ledger.pack_jobs(
                to_run, n_workers=self.n_workers, cap=cap, latent_of=lambda pack: latent, prefix="final"
            )

            def tick() -> None:
                self.status.running = self.executor.status.running
                self.display.update(self.status)

            self.ledger.run_jobs(self.executor, jobs, tick)
        from ..report.tuning import final_table

        self.outcome.final_table = final_table(
            self.store,
            specs,
            strategies,
            seeds,
            metric=self.config.settings.metric,
            classifier=classifier.label() if self.config.classifier_space else None,
        )

    def release(self) -> None:
        if self.executor is not None:
            self.executor.release()
