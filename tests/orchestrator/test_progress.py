import io

from latentsweep.orchestrator.progress import LiveDisplay, PlainDisplay, SweepStatus, make_display, status_line


def status(**changes):
    base = dict(name="s", stage="trials", total=10, done=4, failed=1, running=2, retried=1)
    base.update(changes)
    return SweepStatus(**base, leaderboard=[("margin/greedy[euclidean a=0.5 b=0]", 0.91234, 3)])


def test_plain_line_has_counts_rate_eta_and_the_best_strategy():
    line = status_line(status())
    assert "trials 4/10" in line and "running 2, failed 1, retried 1" in line and "eta" in line
    assert "best margin/greedy[euclidean a=0.5 b=0] 0.9123 (n=3)" in line


def test_plain_display_prints_on_stage_changes_and_periodically():
    stream = io.StringIO()
    display = PlainDisplay(stream, interval=3600)
    display.update(status(stage="representations"))
    display.update(status(stage="representations"))  # same stage, within the interval: silent
    display.update(status())
    assert len(stream.getvalue().splitlines()) == 2


def test_live_display_renders_labels_verbatim():
    stream = io.StringIO()
    display = LiveDisplay(stream)
    display.start(status())
    display.message("trained [x]")
    display.stop()
    text = stream.getvalue()
    assert "margin/greedy[euclidean a=0.5 b=0]" in text and "4/10" in text and "trained [x]" in text


def test_auto_mode_is_plain_without_a_terminal():
    assert isinstance(make_display("auto", io.StringIO()), PlainDisplay)
