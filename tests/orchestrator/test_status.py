"""The display's status, changed only through its methods: counts that stay consistent over adaptive rounds,
a rate of the stage's own units, and a leaderboard that compares strategies on the seeds they share."""

import time

from latentsweep.orchestrator.session import made
from latentsweep.orchestrator.status import RunStatus, Stage


def test_representations_count_each_round_apart():
    """Adaptive rounds make the representations ready again: never '2/1'."""
    status = RunStatus("s")
    for _ in range(3):
        status.begin_representations(1)
        status.representation_ready()
        status.representation_ready()  # a second call for the same round cannot pass the total
        assert (status.representations_done, status.representations_total) == (1, 1)


def test_the_rate_counts_only_the_units_of_its_stage():
    """A second round starts with 63 units of the first done: its rate must not count them."""
    status = RunStatus("s")
    status.begin(Stage.TRIALS)
    status.expect(work=9, units=63)
    status.progress(63)
    status.expect(work=9, units=63)  # the next round
    status.begin(Stage.TRIALS)
    status.stage_started -= 60  # a minute into the round
    status.progress(6)
    assert status.rate() * 60 == 6.0 or abs(status.rate() * 60 - 6.0) < 0.01
    assert 565 < status.eta_seconds() < 575  # 57 units left at 6 a minute
    status.progress(57)
    assert status.eta_seconds() is None and status.units_done == status.units_total == 126


def test_done_never_passes_the_total():
    status = RunStatus("s")
    status.expect(work=1, units=3)
    status.progress(5)
    assert status.units_done == 3


def test_the_leaderboard_compares_strategies_on_the_seeds_they_share():
    """entropy has finished seeds 0-2 only, margin 0-8; on seeds 0-2 margin leads, though entropy's three
    are above margin's mean over nine."""
    status = RunStatus("s")
    margin = [0.90, 0.91, 0.89, 0.80, 0.80, 0.80, 0.80, 0.80, 0.80]
    for seed, value in enumerate(margin):
        status.score("margin/top-k", seed, value)
    for seed, value in enumerate([0.87, 0.88, 0.86]):
        status.score("entropy/top-k", seed, value)
    board = status.leaderboard
    assert [label for label, _, _ in board] == ["margin/top-k", "entropy/top-k"]
    assert board[0][1:] == (sum(margin[:3]) / 3, 3) and status.shared_seeds
    status.score("random", 20, 0.5)  # a seed nobody else has: each on its own seeds, and the display says so
    assert not status.shared_seeds and [n for _, _, n in status.leaderboard] == [3, 9, 1]


def test_a_changed_unit_starts_its_counts_afresh():
    status = RunStatus("tune s", unit="trials")
    status.set_done(5, 24)
    status.begin(Stage.FINAL, unit="iterations")
    assert (status.done, status.total, status.units_done, status.units_total) == (0, 0, 0, 0)
    assert status.elapsed >= 0 and time.monotonic() >= status.started


class _Job:
    def __init__(self, trained, measures=()):
        from types import SimpleNamespace

        self.spec = SimpleNamespace(trained=trained)
        self.measures, self.distances = frozenset(measures), frozenset()


class _Latent:
    def __init__(self, metadata):
        self.metadata, self.n_features = metadata, 10


def test_what_the_display_says_of_a_representation_made_now():
    trained = made(_Job(True), _Latent({"used_latent_dimensions": 7}), 12.3, "dense-vae-x")
    assert trained == "trained dense-vae-x in 12 s (7 of 10 latent dimensions used)"
    pixels = made(_Job(False, ["pixel-density-cosine"]), _Latent({}), 0.4, "pixels-x")
    assert pixels == "prepared pixels-x in 0 s (pixel-density-cosine computed over the pool)"
    assert "latent dimensions" not in made(_Job(False), _Latent({}), 1.0, "embeddings-x")
