import io

from latentsweep.orchestrator.progress import LiveDisplay, PlainDisplay, make_display, status_line
from latentsweep.orchestrator.status import RunStatus, Stage


def status(stage=Stage.TRIALS):
    """10 trials of 7 iterations, 4 stored (1 failed), 2 running, 1 resubmitted; two strategies on seed 0."""
    made = RunStatus(name="s")
    made.begin(stage)
    made.expect(work=10, units=70)
    made.progress(30)
    for failed in (False, False, False, True):
        made.finished(failed=failed)
    made.workers(running=2, retried=1)
    made.score("margin/greedy[euclidean a=0.5 b=0]", 0, 0.91234)
    made.score("random", 0, 0.85)
    return made


def test_plain_line_has_counts_rate_eta_and_the_best_strategy():
    line = status_line(status())
    assert "trials 4/10" in line and "iterations 30/70" in line and "running 2, failed 1, retried 1" in line
    assert "eta" in line and "best margin/greedy[euclidean a=0.5 b=0] 0.9123 (n=1)" in line


def test_plain_display_prints_on_stage_changes_and_as_work_moves():
    stream = io.StringIO()
    display = PlainDisplay(stream, interval=3600)
    shown = status(Stage.REPRESENTATIONS)
    display.update(shown)
    display.update(shown)  # nothing moved: silent
    shown.begin(Stage.TRIALS)
    display.update(shown)  # a new stage: a line
    shown.progress(1)  # less than a tenth of the work: kept for later
    display.update(shown)
    shown.progress(10)  # another tenth: a line
    display.update(shown)
    shown.progress(1)
    display.update(shown)
    display.stop()  # the last state of the stage
    lines = stream.getvalue().splitlines()
    assert len(lines) == 4 and "iterations 42/70" in lines[-1] and "iterations 41/70" in lines[-2]


def test_live_display_renders_labels_verbatim():
    stream = io.StringIO()
    display = LiveDisplay(stream)
    display.start(status())
    display.message("trained [x]")
    display.stop()
    text = stream.getvalue()
    assert "margin/greedy[euclidean a=0.5 b=0]" in text and "4/10" in text and "trained [x]" in text
    assert "leaderboard" in text and "the seeds all share" in " ".join(text.split())


def test_auto_mode_is_plain_without_a_terminal():
    assert isinstance(make_display("auto", io.StringIO()), PlainDisplay)
