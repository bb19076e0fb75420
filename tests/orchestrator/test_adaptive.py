"""Seeds until the answer is clear: the rule by hand, and real small sweeps that stop early on a clear
difference and run to max_seeds on a null one."""

import json
import math

import pytest

from latentsweep.cli import main
from latentsweep.config import ConfigError, parse_config
from latentsweep.config.adaptive import AdaptiveConfig
from latentsweep.orchestrator.adaptive import interval, looks, verdict


def test_the_rule_by_hand():
    # 3 seeds, up to 7 in rounds of 2: looks at 3, 5, 7 seeds -> K = 3, each at level 1 - 0.05/3
    assert looks(AdaptiveConfig("random", max_seeds=7, round=2), 3) == 3
    # differences [0.1, 0.2, 0.3]: mean 0.2, sem 0.1/sqrt(3); t_{2, 0.99583} = 10.88 by the t table's
    # interpolation is checked through scipy's inverse against its own CDF instead:
    from scipy import stats

    low, high = interval([0.1, 0.2, 0.3], 1 - 0.05 / 3)
    half = stats.t.ppf(1 - 0.05 / 6, 2) * 0.1 / math.sqrt(3)
    assert (low, high) == pytest.approx((0.2 - half, 0.2 + half)) and stats.t.cdf(
        half / (0.1 / math.sqrt(3)), 2
    ) == pytest.approx(1 - 0.05 / 6)
    assert verdict(0.01, 0.05, None) == "different" and verdict(-0.05, -0.01, None) == "different"
    assert verdict(-0.01, 0.02, None) == "unresolved" and verdict(-0.004, 0.004, 0.005) == "equivalent"
    assert verdict(math.nan, math.nan, 0.5) == "unresolved"


BASE = {"name": "a", "data": {"dataset": "digits"}, "representations": [{"kind": "pixels"}], "seeds": 3,
        "strategies": {"list": [{"uncertainty": "margin"}, {"uncertainty": "random"}]}}  # fmt: skip


@pytest.mark.parametrize(
    ("adaptive", "message"),
    [
        ({"baseline": "passive", "max_seeds": 5}, "adaptive.baseline = 'passive': not a strategy of this sweep"),
        ({"baseline": "random", "max_seeds": 2}, "adaptive.max_seeds = 2: expected at least the sweep's 3 seeds"),
        ({"baseline": "random"}, "adaptive.max_seeds: missing"),
        ({"baseline": "random", "max_seeds": 5, "rounds": 2}, "adaptive.rounds: unknown key"),
    ],
)
def test_bad_adaptive_tables_name_the_key(adaptive, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_config({**BASE, "adaptive": adaptive})


PLUGINS = {
    "test-most-certain": """
import numpy as np
from latentsweep.strategies import BATCH_SELECTION


@BATCH_SELECTION.register("test-most-certain")
def most_certain(candidates, k, rng, params):
    \"\"\"The k least informative candidates: a strategy clearly worse than margin sampling.\"\"\"
    return np.argsort(candidates.informativeness, kind="stable")[: min(k, candidates.size)]
""",
    "test-top-k-again": """
import numpy as np
from latentsweep.strategies import BATCH_SELECTION


@BATCH_SELECTION.register("test-top-k-again")
def top_k_again(candidates, k, rng, params):
    \"\"\"top-k written again: the same queries as the baseline, a difference of exactly zero.\"\"\"
    order = np.lexsort((np.arange(candidates.size), -candidates.informativeness))
    return order[: min(k, candidates.size)]
""",
}

SWEEP = """
plugins = ["{plugin}"]
name = "{name}"
seeds = 3

[data]
dataset = "digits"

[[representations]]
kind = "pixels"

[classifier]
hidden = [64]
epochs = 10
batch_size = 20

[budget]
initial = 20
batch = 20
iterations = 3

[[strategies.list]]
uncertainty = "margin"

[[strategies.list]]
uncertainty = "margin"
batch = "{rule}"

[adaptive]
baseline = "margin/top-k"
max_seeds = 7
round = 2
"""


@pytest.fixture(scope="module")
def plugins(tmp_path_factory):
    """The rules, each in one file for the whole module (a plugin registers its names once per process)."""
    folder = tmp_path_factory.mktemp("rules")
    for rule, code in PLUGINS.items():
        (folder / f"{rule}.py").write_text(code)
    return folder


def sweep(plugins, tmp_path, name, rule, extra=""):
    config = tmp_path / f"{name}.toml"
    config.write_text(SWEEP.format(name=name, rule=rule, plugin=plugins / f"{rule}.py") + extra)
    return config


def run(plugins, tmp_path, name, rule):
    config = sweep(plugins, tmp_path, name, rule)
    return main(["run", str(config), "--results", str(tmp_path / "results"), "--quiet"])


def test_a_clear_difference_stops_at_the_first_look(ray_instance, plugins, tmp_path, capsys):
    assert run(plugins, tmp_path, "clear", "test-most-certain") == 0
    printed = capsys.readouterr().out
    assert "adaptive seeds: 3 in all" in printed and "margin/test-most-certain - baseline" in printed
    info = json.loads((tmp_path / "results" / "clear" / "sweep.json").read_text())["adaptive"]
    assert info["seeds"] == [0, 1, 2] and info["stopped"] == "every answer is clear"
    assert [d["verdict"] for d in info["decisions"]] == ["different"] and info["decisions"][0]["high"] < 0
    assert info["needed"] == {"margin/test-most-certain": 3}
    assert "Bonferroni over K = 3 looks" in info["method"]
    report = (tmp_path / "results" / "clear" / "report" / "report.md").read_text()
    assert "## Seeds until the answer was clear" in report and "| margin/test-most-certain | 3 |" in report


def test_a_null_difference_runs_to_max_seeds_and_a_rerun_decides_the_same(ray_instance, plugins, tmp_path, capsys):
    # top-k written again queries what margin/top-k queries: the difference is 0 at every look, never clear
    assert run(plugins, tmp_path, "null", "test-top-k-again") == 0
    capsys.readouterr()
    folder = tmp_path / "results" / "null"
    info = json.loads((folder / "sweep.json").read_text())["adaptive"]
    assert info["seeds"] == list(range(7)) and info["stopped"] == "max_seeds = 7 reached"
    assert info["decisions"][0]["verdict"] == "unresolved" and info["decisions"][0]["n"] == 7
    assert info["needed"] == {"margin/test-top-k-again": None}
    assert len(list((folder / "trials").iterdir())) == 14
    assert run(plugins, tmp_path, "null", "test-top-k-again") == 0  # everything stored: the same seeds, the same answer
    assert "nothing to do: all 14 planned trials are already stored" in capsys.readouterr().out
    assert json.loads((folder / "sweep.json").read_text())["adaptive"] == info


def test_an_equivalence_margin_settles_a_null_difference_at_once(ray_instance, plugins, tmp_path, capsys):
    config = sweep(plugins, tmp_path, "equal", "test-top-k-again", extra="margin = 0.005\n")
    assert main(["run", str(config), "--results", str(tmp_path / "results"), "--quiet"]) == 0
    assert (
        "margin/test-top-k-again - baseline = +0.0000 [+0.0000, +0.0000] (n=3): equivalent" in capsys.readouterr().out
    )
