import dataclasses

import numpy as np
import pytest

from latentsweep.engine import ClassifierSpec, StrategySpec, TrialSpec, run_pack, run_trial
from latentsweep.engine.pack import paid_validation
from latentsweep.errors import SpecError
from latentsweep.registry import Param
from latentsweep.strategies import BATCH_SELECTION

from .conftest import SMALL_BUDGET, SMALL_CLASSIFIER


def spec(seed=0, **strategy):
    return TrialSpec(
        "digits",
        "projection",
        StrategySpec.build(strategy).canonical(),
        classifier=SMALL_CLASSIFIER,
        budget=SMALL_BUDGET,
        seed=seed,
    )


def test_a_trial_follows_the_protocol(digits_latent, device):
    result = run_trial(digits_latent, spec(uncertainty="margin", batch="top-k"), device=str(device))
    assert result.status == "ok" and result.error is None and result.device.startswith(device.type)
    assert [row.iteration for row in result.iterations] == [0, 1, 2, 3, 4]
    assert [row.n_labeled for row in result.iterations] == [20, 30, 40, 50, 60]
    assert [row.queried.shape[0] for row in result.iterations] == [20, 10, 10, 10, 10]
    queried = result.queried_indices()
    assert np.unique(queried).size == 60 and queried.max() < digits_latent.pool.shape[0]
    for row in result.iterations:
        assert 0.0 <= row.val_accuracy <= 1.0 and 0.0 <= row.train_accuracy <= 1.0
        assert row.fit_seconds > 0
    assert all(row.selection_seconds > 0 for row in result.iterations[1:])
    assert 0.0 <= result.test_accuracy <= 1.0
    assert result.final_val_accuracy == result.iterations[-1].val_accuracy


def test_same_spec_and_seed_same_queried_indices(digits_latent, device):
    trial = spec(uncertainty="entropy", batch="random-partitions", subsample=0.5, seed=3)
    first, second = (
        run_trial(digits_latent, trial, device=str(device)),
        run_trial(digits_latent, trial, device=str(device)),
    )
    np.testing.assert_array_equal(first.queried_indices(), second.queried_indices())
    assert first.test_accuracy == second.test_accuracy
    other_seed = spec(uncertainty="entropy", batch="random-partitions", subsample=0.5, seed=4)
    other = run_trial(digits_latent, other_seed, device=str(device))
    assert not np.array_equal(first.queried_indices(), other.queried_indices())


def test_a_trial_gives_the_same_result_alone_and_in_a_pack(digits_latent, device):
    trials = [
        spec(uncertainty="random", seed=1),
        spec(uncertainty="margin", batch="greedy", distance="cosine", alpha=0.3, seed=2),
        spec(uncertainty="least-confident", representativeness="density-euclidean", gamma=0.5, seed=3),
    ]
    packed = run_pack(digits_latent, trials, device=str(device))
    for trial, result in zip(trials, packed, strict=True):
        alone = run_trial(digits_latent, trial, device=str(device))
        np.testing.assert_array_equal(alone.queried_indices(), result.queried_indices())
        assert result.pack_size == 3


def test_same_seed_shares_the_initial_batch_across_strategies(digits_latent):
    passive, active = run_pack(digits_latent, [spec(uncertainty="random", seed=5), spec(uncertainty="margin", seed=5)])
    np.testing.assert_array_equal(passive.iterations[0].queried, active.iterations[0].queried)
    assert passive.iterations[0].val_accuracy == active.iterations[0].val_accuracy
    assert not np.array_equal(passive.queried_indices(), active.queried_indices())


@pytest.mark.parametrize(
    "strategy",
    [
        dict(
            uncertainty="margin",
            batch="greedy",
            distance="j-divergence",
            alpha=0.2,
            beta=0.2,
            representativeness="kl-to-prior",
            gamma=0.7,
        ),
        dict(uncertainty="entropy", representativeness="density-j-divergence", gamma=0.0, batch="top-k"),
        dict(uncertainty="margin", batch="greedy", distance="sq-euclidean", subsample=0.1),
    ],
)
def test_strategy_variants_run(digits_latent, strategy):
    result = run_trial(digits_latent, spec(**strategy))
    assert result.status == "ok", result.error
    assert result.queried_indices().shape == (60,)


def test_a_failing_strategy_fails_its_trial_and_the_pack_goes_on(digits_latent):
    def broken(candidates, k, rng, params):
        raise ValueError("this selector is broken")

    BATCH_SELECTION["test-broken"] = broken
    try:
        good, bad = run_pack(
            digits_latent, [spec(uncertainty="margin"), spec(uncertainty="margin", batch="test-broken")]
        )
    finally:
        del BATCH_SELECTION["test-broken"]
    assert good.status == "ok" and len(good.iterations) == 5
    assert bad.status == "failed" and "ValueError: this selector is broken" in bad.error
    assert len(bad.iterations) == 1 and np.isnan(bad.test_accuracy)


def test_incompatible_trials_cannot_share_a_pack(digits_latent):
    other_budget = TrialSpec("digits", "projection", StrategySpec(), classifier=SMALL_CLASSIFIER, seed=0)
    with pytest.raises(SpecError, match="must share"):
        run_pack(digits_latent, [spec(), other_budget])
    with pytest.raises(SpecError, match="latent set is digits/projection"):
        run_trial(digits_latent, TrialSpec("mnist", "projection", budget=SMALL_BUDGET, classifier=SMALL_CLASSIFIER))


def test_variance_measures_need_a_posterior(digits_latent):
    pixels_like = digits_latent.__class__(**{**digits_latent.__dict__, "pool_logvar": None})
    with pytest.raises(SpecError, match="needs posterior variances"):
        run_trial(pixels_like, spec(representativeness="kl-to-prior", gamma=0.5))


def test_an_initial_sampler_replaces_the_random_first_batch(digits_latent):
    random_start = run_trial(digits_latent, spec(uncertainty="margin", seed=2))
    core_set = run_trial(digits_latent, spec(uncertainty="margin", initial="k-center-greedy", seed=2))
    assert core_set.status == "ok" and core_set.iterations[0].n_labeled == 20
    assert not np.array_equal(core_set.iterations[0].queried, random_start.iterations[0].queried)

    # the core-set batch is spread out: its smallest pairwise distance beats the random batch's
    def spread(indices):
        points = digits_latent.pool[indices]
        d = np.linalg.norm(points[:, None] - points[None], axis=-1)
        return d[~np.eye(len(indices), dtype=bool)].min()

    assert spread(core_set.iterations[0].queried) > spread(random_start.iterations[0].queried)


def test_ae_error_needs_reconstruction_errors(digits_latent):
    with pytest.raises(SpecError, match="'ae-error' needs reconstruction errors; projection has none"):
        run_trial(digits_latent, spec(uncertainty="margin", initial="ae-error"))


def test_schedules_move_gamma_alpha_and_beta_linearly_over_the_iterations(digits_latent):
    seen = []

    def recording(candidates, k, rng, params):
        seen.append((candidates.gamma, params["alpha"], params["beta"]))
        return BATCH_SELECTION["top-k"](candidates, k, rng, params)

    weights = {"alpha": Param(0.0, 0.0, 1.0, short="a"), "beta": Param(0.0, 0.0, 1.0, short="b")}
    BATCH_SELECTION.register("test-recording", params=weights, representativeness_weight="beta")(recording)
    try:
        strategy = dict(
            uncertainty="margin", representativeness="density-cosine", batch="test-recording",
            gamma=0.2, gamma_end=0.8, alpha=0.5, alpha_end=0.2, beta=0.1, beta_end=0.4,
        )  # fmt: skip
        result = run_trial(digits_latent, spec(**strategy))
        label = StrategySpec.build(strategy).label()
    finally:
        del BATCH_SELECTION["test-recording"]
    assert result.status == "ok", result.error
    # four selections (iterations 1..4): start at the first, end at the last, linear in between (by hand)
    np.testing.assert_allclose(seen, [(0.2, 0.5, 0.1), (0.4, 0.4, 0.2), (0.6, 0.3, 0.3), (0.8, 0.2, 0.4)])
    assert label == "margin+density-cosine(g=0.2->0.8)/test-recording[a=0.5->0.2 b=0.1->0.4]"


@pytest.mark.parametrize(
    "strategy",
    [
        dict(uncertainty="bald", subsample=0.5),
        dict(uncertainty="max-entropy-mc", batch="random-partitions"),
        dict(batch="batchbald", subsample=0.2),
        dict(batch="badge", subsample=0.5),
        dict(batch="k-center-greedy"),
        dict(batch="typiclust", subsample=0.5),
    ],
)
def test_todays_strategies_run_in_the_loop_alone_and_in_a_pack_alike(digits_latent, strategy):
    trial = spec(seed=4, **strategy)
    alone = run_trial(digits_latent, trial)
    assert alone.status == "ok", alone.error
    assert alone.queried_indices().shape == (60,) and np.unique(alone.queried_indices()).size == 60
    packed = run_pack(digits_latent, [spec(seed=1, uncertainty="margin"), trial])[1]
    np.testing.assert_array_equal(packed.queried_indices(), alone.queried_indices())


def test_every_iteration_and_the_end_score_balanced_accuracy_and_macro_f1(digits_latent):
    from sklearn.metrics import balanced_accuracy_score, f1_score

    result = run_trial(digits_latent, spec(uncertainty="margin", batch="top-k", seed=5))
    for row in result.iterations:
        assert 0.0 < row.scores["val_balanced_accuracy"] <= 1.0 and 0.0 < row.scores["val_macro_f1"] <= 1.0
        assert "heldout_val_accuracy" not in row.scores  # the free validation part is the validation
    assert set(result.test_scores) == {"balanced_accuracy", "macro_f1"}
    # the same model predicts the test part once more here: its metrics equal scikit-learn's
    from latentsweep.engine.pack import _Pack

    pack = _Pack(digits_latent, [result.spec], None, (), {})
    pack._fit(list(pack.members), 0)
    predicted = pack.model.predict(pack.pool.new_tensor(digits_latent.test)).numpy()[0]
    scores = pack.evaluation.test_scores(pack.model)
    assert scores["balanced_accuracy"].item() == pytest.approx(
        balanced_accuracy_score(digits_latent.test_labels, predicted), abs=1e-6
    )
    assert scores["macro_f1"].item() == pytest.approx(f1_score(digits_latent.test_labels, predicted, average="macro"))


def test_paid_validation_is_labelled_first_counted_and_never_trained_on(digits_latent):
    budget = dataclasses.replace(SMALL_BUDGET, validation=50)
    trial = dataclasses.replace(spec(uncertainty="entropy", batch="top-k", seed=2), budget=budget)
    result = run_trial(digits_latent, trial)
    assert result.status == "ok", result.error
    assert [row.n_labeled for row in result.iterations] == [70, 80, 90, 100, 110]
    validation = paid_validation(digits_latent, trial)
    assert validation.shape == (50,) and np.unique(validation).size == 50
    assert not np.isin(result.queried_indices(), validation).any()  # neither queried nor trained on
    np.testing.assert_array_equal(validation, paid_validation(digits_latent, dataclasses.replace(trial, seed=2)))
    assert not np.array_equal(validation, paid_validation(digits_latent, dataclasses.replace(trial, seed=3)))
    for row in result.iterations:  # both validation sets are measured
        assert row.val_accuracy * 50 == pytest.approx(round(row.val_accuracy * 50), abs=1e-4)  # 50 paid labels
        assert 0.0 < row.scores["heldout_val_accuracy"] <= 1.0
    free = run_trial(digits_latent, spec(uncertainty="entropy", batch="top-k", seed=2))
    assert [row.val_accuracy for row in free.iterations] != [row.val_accuracy for row in result.iterations]


def test_paid_validation_leaves_a_trial_without_it_unchanged_and_packs_alike(digits_latent):
    budget = dataclasses.replace(SMALL_BUDGET, validation=30)
    assert (
        dataclasses.replace(spec(uncertainty="margin"), budget=dataclasses.replace(SMALL_BUDGET)).id
        == spec(uncertainty="margin").id
    )
    trials = [
        dataclasses.replace(spec(uncertainty=u, seed=s), budget=budget) for u, s in (("margin", 1), ("random", 4))
    ]
    packed = run_pack(digits_latent, trials)
    for trial, result in zip(trials, packed, strict=True):
        alone = run_trial(digits_latent, trial)
        np.testing.assert_array_equal(alone.queried_indices(), result.queried_indices())
        assert [r.val_accuracy for r in alone.iterations] == [r.val_accuracy for r in result.iterations]


LEARNERS = {
    "logistic": ClassifierSpec(kind="logistic", epochs=30, batch_size=20, learning_rate=0.01),
    "ensemble": ClassifierSpec(
        kind="ensemble", hidden=(16,), epochs=30, batch_size=20, learning_rate=0.01, params=(("members", 3),)
    ),
    "sklearn": ClassifierSpec(kind="sklearn", estimator="sklearn.neighbors.KNeighborsClassifier"),
}


@pytest.mark.parametrize(
    ("learner", "strategy"),
    [
        ("logistic", {"uncertainty": "margin"}),
        ("logistic", {"batch": "badge"}),
        ("ensemble", {"uncertainty": "vote-entropy"}),
        ("ensemble", {"uncertainty": "max-disagreement", "subsample": 0.5}),
        ("ensemble", {"uncertainty": "bald", "mc_samples": 2}),
        ("ensemble", {"batch": "batchbald", "mc_samples": 3, "subsample": 0.2}),
        ("sklearn", {"uncertainty": "entropy"}),
    ],
)
def test_every_learner_queries_the_same_alone_and_in_a_pack(digits_latent, learner, strategy):
    classifier = LEARNERS[learner]
    trial = dataclasses.replace(spec(seed=4, **strategy), classifier=classifier)
    alone = run_trial(digits_latent, trial)
    assert alone.status == "ok", alone.error
    assert alone.queried_indices().shape == (60,) and np.unique(alone.queried_indices()).size == 60
    assert 0.3 < alone.test_accuracy <= 1.0 and set(alone.test_scores) == {"balanced_accuracy", "macro_f1"}
    if not classifier.packs:
        return
    other = dataclasses.replace(spec(seed=9, uncertainty="random"), classifier=classifier)
    packed = run_pack(digits_latent, [other, trial])[1]
    np.testing.assert_array_equal(packed.queried_indices(), alone.queried_indices())
    assert packed.test_accuracy == pytest.approx(alone.test_accuracy)


def test_a_strategy_whose_needs_the_learner_cannot_give_is_refused(digits_latent):
    trial = dataclasses.replace(spec(uncertainty="vote-entropy"), classifier=LEARNERS["logistic"])
    with pytest.raises(SpecError, match="needs ensemble_probabilities, which the classifier logistic does not"):
        run_trial(digits_latent, trial)
