"""The generated reference documents everything that exists: every key the config readers accept, every
registry entry and its parameters, every CLI option and every stored column, each with a description; a
plugin's entries appear once it is loaded."""

import argparse

import pytest

from latentsweep.cli import _parser
from latentsweep.config import keys
from latentsweep.config.data import DataConfig
from latentsweep.config.sections import settings_of
from latentsweep.config.specs import _representation_keys, classifier_keys
from latentsweep.config.sweep import TOP_LEVEL as SWEEP_TOP
from latentsweep.config.tune import TOP_LEVEL as TUNE_TOP
from latentsweep.engine.specs import BUDGET_PARAMS
from latentsweep.engine.strategy import END, strategy_keys
from latentsweep.plugins import load_plugins
from latentsweep.reference import CONFIG_KINDS, REGISTRIES, entries, write_pages
from latentsweep.results.columns import meaning
from latentsweep.results.schema import SCHEMAS
from latentsweep.stopping import STOPPING


def documented(kind: str) -> dict[str, set[str]]:
    return {table.title: {k.key for k in table.keys} for table in CONFIG_KINDS[kind]()}


def test_every_key_the_readers_accept_is_documented_with_a_meaning():
    sweep = documented("sweep")
    assert SWEEP_TOP == sweep["top level"] and TUNE_TOP == documented("tune")["top level"]
    assert set(settings_of(DataConfig)) == sweep["[data]"]
    assert _representation_keys() == sweep["[[representations]]"]
    assert classifier_keys() | {"grid"} == sweep["[classifier]"]
    assert set(BUDGET_PARAMS) | set(keys.BUDGET) == sweep["[budget] / [[budgets]]"]
    accepted = {k for k in strategy_keys() if not k.endswith(END)}
    assert accepted | {"NAME_end"} == sweep["[strategies.grid] / [[strategies.list]]"]
    assert {"criterion"} | {p for n in STOPPING for p in STOPPING.declared(n).params} == sweep["[stopping]"]
    for kind, tables in CONFIG_KINDS.items():
        for table in tables():
            for key in table.keys:
                assert key.meaning.strip(), f"{kind} {table.title} {key.key}: no description"


@pytest.mark.parametrize("title", [title for title, *_ in REGISTRIES])
def test_every_registry_entry_and_parameter_is_described(title):
    registry = next(r for t, r, *_ in REGISTRIES if t == title)
    found = entries(registry)
    assert [e.name for e in found] == list(registry)
    for entry in found:
        assert entry.description, f"{title} {entry.name}: no description"
        for name, param in entry.params:
            assert param.doc.strip(), f"{title} {entry.name}: parameter {name} has no doc"


def _options(parser: argparse.ArgumentParser, path: str):
    """(command path, action) of every option and argument, nested commands included."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, command in action.choices.items():
                yield from _options(command, f"{path} {name}")
        elif not isinstance(action, argparse._HelpAction):
            yield path, action


def test_every_cli_option_has_help():
    parser = _parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    expected = {"run", "tune", "initial", "plan", "check", "report", "compare", "compact", "explore", "export"}
    assert expected <= set(commands.choices)
    found = list(_options(parser, "latentsweep"))
    assert ("latentsweep export mlflow", "tracking_uri") in {(path, a.dest) for path, a in found}
    for path, action in found:
        assert action.help and action.help != argparse.SUPPRESS, (path, action.dest)


def test_every_stored_column_has_a_meaning():
    for table, schema in SCHEMAS.items():
        assert [c for c in schema.names if not meaning(table, c)] == [], table


PLUGIN = '''
from latentsweep.registry import Param
from latentsweep.strategies import UNCERTAINTY


@UNCERTAINTY.register("docs-plugin-measure", params={"sharpness": Param(2.0, 0.0, 10.0, doc="how sharp")})
def measure(probs, sharpness=2.0):
    """A plugin's measure: one minus the largest probability, sharpened."""
    return (1.0 - probs.max(axis=1)) ** sharpness
'''


def test_a_plugins_entries_appear_in_a_reference_built_with_it(tmp_path):
    plugin = tmp_path / "docs_plugin.py"
    plugin.write_text(PLUGIN)
    before = (write_pages(tmp_path / "before")[1]).read_text()
    assert "docs-plugin-measure" not in before
    load_plugins((str(plugin),))
    pages = {p.stem: p.read_text() for p in write_pages(tmp_path / "after")}
    assert "### docs-plugin-measure" in pages["registries"]
    assert "A plugin's measure: one minus the largest probability, sharpened." in pages["registries"]
    assert "| `sharpness` | `2.0` |" in pages["registries"] and "how sharp" in pages["registries"]
    assert "| `sharpness` | `2.0` |" in pages["config"]  # a strategy key of every sweep config
