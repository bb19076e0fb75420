"""[strategies]: a list entry that plans as another strategy is never dropped without a word; `plan` and
`run` name it and what it became, before any work."""

import textwrap

from latentsweep.cli import main
from latentsweep.config import parse_config

BASE = {"name": "s", "data": {"dataset": "digits"}, "representations": [{"kind": "pixels"}]}


def notes_of(strategies: dict) -> tuple[list[str], list[str]]:
    config = parse_config({**BASE, "strategies": strategies})
    return [s.label() for s in config.strategies], list(config.notes)


def test_an_entry_whose_fields_change_no_query_is_named_with_what_it_became():
    labels, notes = notes_of({"list": [
        {"uncertainty": "margin"},
        {"uncertainty": "random", "batch": "badge"},  # passive learning: BADGE never runs
        {"uncertainty": "entropy", "batch": "k-center-greedy"},  # core-set reads no uncertainty score
        {"uncertainty": "random"},  # the same as entry 1
        {"uncertainty": "margin", "representativeness": "density-cosine"},  # gamma 1: the measure is unused
    ]})  # fmt: skip
    assert labels == ["margin/top-k", "random", "k-center-greedy"]
    assert notes == [
        "strategies.list[1] (uncertainty = 'random', batch = 'badge') plans as 'random': batch changes no query; "
        "passive learning (uncertainty = 'random') queries at random and reads no other field",
        "strategies.list[2] (uncertainty = 'entropy', batch = 'k-center-greedy') plans as 'k-center-greedy': "
        "uncertainty changes no query; batch rule 'k-center-greedy' spreads its batch over an embedding and reads "
        "no uncertainty score",
        "strategies.list[3] (uncertainty = 'random') plans as 'random', the same strategy as strategies.list[1]: "
        "run once",
        "strategies.list[4] (uncertainty = 'margin', representativeness = 'density-cosine') plans as "
        "'margin/top-k', the same strategy as strategies.list[0]: run once; representativeness changes no query: "
        "a representativeness measure at gamma = 1 that the batch rule does not weigh changes no query",
    ]


def test_entries_that_plan_as_written_get_no_note():
    labels, notes = notes_of({"list": [
        {"uncertainty": "margin", "batch": "greedy", "alpha": 0.5},
        {"batch": "badge", "subsample": 0.5},
        {"uncertainty": "entropy", "representativeness": "density-cosine", "gamma": 0.5},
    ]})  # fmt: skip
    assert len(labels) == 3 and notes == []


def test_a_grid_whose_combinations_merge_says_so_once():
    labels, notes = notes_of({"grid": {"uncertainty": ["margin", "random"], "subsample": [0.5, 1.0]}})
    assert labels == ["margin/top-k@0.5", "margin/top-k", "random"]
    assert notes == [
        "strategies.grid: 4 combinations plan as 3 strategies (combinations that query identically, e.g. passive "
        "learning with any other field, are run once)"
    ]


def test_plan_and_run_print_the_notes_before_any_work(tmp_path, capsys):
    config = tmp_path / "eight.toml"
    config.write_text(textwrap.dedent("""
        name = "eight"
        [data]
        dataset = "digits"
        [[representations]]
        kind = "pixels"
        [budget]
        iterations = 3
        [[strategies.list]]
        uncertainty = "margin"
        [[strategies.list]]
        uncertainty = "random"
        batch = "badge"
        [[strategies.list]]
        uncertainty = "random"
    """))
    assert main(["plan", str(config), "--results", str(tmp_path / "r")]) == 0
    printed = capsys.readouterr().out
    assert "trials: 2 = 1 representation x 2 strategies x 1 seed" in printed
    assert "  note: strategies.list[1] (uncertainty = 'random', batch = 'badge') plans as 'random'" in printed
    assert "  note: strategies.list[2] (uncertainty = 'random') plans as 'random', the same strategy as " in printed
