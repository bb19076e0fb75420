"""StrategySpec: labels, the stored form trial ids hash (greedy's parameters in the slots they were first
stored in, neutral parameters left out at their defaults), what a strategy needs, schedules, and the
combinations that plan as one."""

from latentsweep.engine import StrategySpec, TrialSpec

build = StrategySpec.build


def test_labels_say_what_queries():
    assert StrategySpec().label() == "margin/top-k"
    greedy = build({"uncertainty": "entropy", "representativeness": "density-cosine", "gamma": 0.5, "batch": "greedy",
                    "alpha": 0.3, "beta": 0.2, "distance": "cosine"}).canonical()  # fmt: skip
    assert greedy.label() == "entropy+density-cosine(g=0.5)/greedy[cosine a=0.3 b=0.2]"
    assert build({"uncertainty": "bald", "mc_samples": 7}).canonical().label() == "bald[mc_samples=7]/top-k"
    assert build({"batch": "typiclust", "subsample": 0.1}).canonical().label() == "typiclust[neighbours=20]@0.1"


def test_the_stored_form_keeps_every_id_made_before():
    """The thesis' default is the id stores hold since the first release; greedy's distance, alpha and beta
    sit in the slots they had as strategy fields; TypiClust's kmeans and max_clusters (neutral) are absent."""
    assert TrialSpec("d", "r").id == "11da101cd63a5f32"
    greedy = build({"batch": "greedy", "alpha": 0.3, "distance": "cosine"}).canonical().stored_form()
    assert (greedy["distance"], greedy["alpha"], greedy["beta"], greedy["params"]) == ("cosine", 0.3, 0.0, ())
    typiclust = build({"batch": "typiclust"}).canonical()
    assert dict(typiclust.stored_form()["params"]) == {"neighbours": 20}
    assert typiclust.value("kmeans") == "auto" and typiclust.value("max_clusters") == 500
    scaled = build({"batch": "typiclust", "max_clusters": 100}).canonical()
    assert dict(scaled.stored_form()["params"]) == {"max_clusters": 100, "neighbours": 20}
    assert TrialSpec("d", "r", scaled).id != TrialSpec("d", "r", typiclust).id


def test_needs_schedules_and_what_plans_as_one():
    assert build({"uncertainty": "bald"}).canonical().needs() == frozenset({"mc_probabilities"})
    scheduled = build({"representativeness": "density-cosine", "gamma": 1.0, "gamma_end": 0.2}).canonical()
    assert scheduled.end("gamma") == 0.2 and scheduled.label() == "margin+density-cosine(g=1->0.2)/top-k"
    assert build({"uncertainty": "random", "batch": "greedy", "alpha": 0.5}).canonical() == StrategySpec(
        uncertainty="random"
    )  # passive learning ignores every other field
    assert build({"representativeness": "density-cosine", "gamma": 1.0}).canonical() == StrategySpec()
