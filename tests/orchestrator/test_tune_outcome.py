"""What `tune` prints at its end: the study's counts, the best, and importances that say how many trials
they come from (and that fewer than 20 make them rough)."""

from pathlib import Path

from latentsweep.orchestrator.tune_outcome import TuneOutcome


def test_importances_say_how_many_complete_trials_they_come_from():
    outcome = TuneOutcome(folder=Path("results/t"), study="t", storage="results/t/study.journal")
    outcome.complete, outcome.pruned, outcome.failed = 6, 17, 1
    outcome.best_value, outcome.best_strategy = 0.8383, "margin/greedy[euclidean a=0.5 b=0]"
    outcome.importances = {"gamma": 0.61, "alpha": 0.39}
    text = outcome.summary()
    assert "  importances from the 6 complete trials of 24; rough with fewer than 20: gamma 0.61, alpha 0.39" in text
    assert text.splitlines()[0].startswith("study 't' (results/t/study.journal): 6 complete, 17 pruned, 1 failed")
    outcome.complete = 20
    assert "importances from the 20 complete trials of 38: gamma" in outcome.summary()
