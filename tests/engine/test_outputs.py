"""The model-output registry: what strategies may need from the trained MLP, one entry each."""

import numpy as np

from latentsweep.engine import run_trial
from latentsweep.engine.outputs import MODEL_OUTPUTS
from latentsweep.strategies import BATCH_SELECTION
from latentsweep.strategies.needs import MODEL_OUTPUTS as DECLARABLE
from latentsweep.strategies.needs import NEEDS

from .test_pack import spec


def test_every_declarable_model_output_is_computed_by_one_entry():
    assert sorted(MODEL_OUTPUTS) == sorted(DECLARABLE)
    assert set(DECLARABLE) <= set(NEEDS)


def test_a_new_model_output_is_one_entry_and_reaches_the_rule_that_needs_it(digits_latent, monkeypatch):
    seen = []

    def log_odds(model, x, sizes, specs):
        probs = model.predict_proba(x).double().cpu().numpy()
        return [np.log(probs[row, :size] + 1e-12) for row, size in enumerate(sizes)]

    def lowest_log_odds(candidates, k, rng, params):
        scores = candidates.outputs["test-log-odds"].max(axis=1)
        seen.append(candidates.outputs["test-log-odds"].shape)
        return np.argsort(scores, kind="stable")[: min(k, candidates.size)]

    monkeypatch.setitem(NEEDS, "test-log-odds", "log class probabilities [n, C]")
    MODEL_OUTPUTS.register("test-log-odds")(log_odds)
    BATCH_SELECTION.register("test-log-odds-rule", needs=("test-log-odds",))(lowest_log_odds)
    try:
        result = run_trial(digits_latent, spec(uncertainty="margin", batch="test-log-odds-rule"))
    finally:
        del MODEL_OUTPUTS["test-log-odds"], BATCH_SELECTION["test-log-odds-rule"]
    assert result.status == "ok", result.error
    assert len(seen) == 4 and all(shape[1] == 10 for shape in seen)  # four selections, 10 classes
    assert seen[0][0] == digits_latent.pool.shape[0] - 20  # every unlabelled candidate after the first 20


def test_badge_gets_its_activations_in_float16_where_its_parameter_says_and_the_same_embedding(digits_latent):
    """`activations = "float16"` (what "auto" does above 100,000 candidates): the engine gathers h in float16,
    scaled per row, and a carries the scale, so the gradient embedding a_i (x) h_i is the float32 one within
    float16 rounding; "auto" on 1,777 candidates keeps float32, as BADGE had it."""
    from latentsweep.strategies.embedding_batches import BADGE_PARAMS, badge

    seen = {}

    def spy(candidates, k, rng, params):
        a, h = candidates.gradient_embedding
        seen.setdefault(params.get("activations"), (np.array(a), np.array(h)))
        return badge(candidates, k, rng, params)

    BATCH_SELECTION.register("test-badge-spy", params=BADGE_PARAMS, needs=("gradient_embedding",),
                             uses_scores=False, uses_features=False)(spy)  # fmt: skip
    for choice in ("auto", "float16"):
        result = run_trial(digits_latent, spec(batch="test-badge-spy", activations=choice))
        assert result.status == "ok", result.error
    (a32, h32), (a16, h16) = seen["auto"], seen["float16"]
    assert h32.dtype == np.float32 and h16.dtype == np.float16 and a16.dtype == np.float32
    assert np.abs(h16).max() <= 1.0 and h16.shape == h32.shape
    g32 = np.einsum("ic,ih->ich", a32, h32.astype(np.float64))
    g16 = np.einsum("ic,ih->ich", a16.astype(np.float64), h16.astype(np.float64))
    np.testing.assert_allclose(g16, g32, rtol=0, atol=1e-3 * np.abs(g32).max())
