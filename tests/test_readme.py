"""The outputs the README and the docs quote, produced again: each quoted example runs through the CLI and its
printed lines must be the quoted ones (run times aside), so the two cannot drift.

A quote is a code block after a marker `<!-- output: NAME (cpu: FLAGS) -->`. Floating-point kernels differ
between CPU families (oneDNN on AVX2 or AVX-512 rounds differently, and near-ties then pick other queries):
on a machine with the quote's CPU flags every line must match exactly; on another one the same lines with
the same words, counts and verdicts, each number within 0.02 of the quoted one.
"""

import re
from pathlib import Path

import pytest

from latentsweep.cli import main
from latentsweep.report.documents import parse_tables

from .conftest import start_local_ray

ROOT = Path(__file__).parent.parent
FLAGS = ("avx2", "avx512_bf16", "avx512_vnni", "avx512f", "fma", "amx_bf16")
NUMBER = re.compile(r"[-+]?\d+\.\d+")


def documents() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def quoted(name: str) -> tuple[list[str], str]:
    """The lines of the code block quoted as output `name`, and the CPU flags it was made on."""
    marker = re.compile(rf"<!-- output: {re.escape(name)} \(cpu: ([^)]*)\) -->\n```[a-z]*\n(.*?)\n```", re.S)
    for path in documents():
        found = marker.search(path.read_text())
        if found:
            return found.group(2).splitlines(), found.group(1)
    raise AssertionError(f"no quoted output {name!r} in the README or docs")


def this_cpu() -> str:
    text = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    flags = set(re.search(r"^flags\s*:(.*)$", text, re.M).group(1).split()) if "flags" in text else set()
    return " ".join(sorted(flag for flag in FLAGS if flag in flags))


def same_lines(printed: list[str], quoted_lines: list[str], cpu: str) -> None:
    """Every quoted line among the printed ones, in order: exactly on the quote's CPU, else words exact and
    numbers within 0.02 (run times, 'in N s', never compared)."""
    exact = this_cpu() == cpu

    def shape(line: str) -> str:
        return NUMBER.sub("#", re.sub(r" in \d+ s", " in # s", line))

    position = 0
    for line in quoted_lines:
        target = re.sub(r" in \d+ s", " in # s", line)
        while position < len(printed):
            candidate = re.sub(r" in \d+ s", " in # s", printed[position])
            position += 1
            if exact and candidate == target:
                break
            if not exact and shape(candidate) == shape(line):
                pairs = zip(NUMBER.findall(candidate), NUMBER.findall(line), strict=True)
                assert all(abs(float(a) - float(b)) <= 0.02 for a, b in pairs), (line, candidate)
                break
        else:
            raise AssertionError(f"quoted line not printed: {line!r}\nprinted:\n" + "\n".join(printed))


def run(argv: list[str], capsys) -> list[str]:
    capsys.readouterr()
    assert main(argv) == 0
    return capsys.readouterr().out.splitlines()


def relative(lines: list[str], results: Path) -> list[str]:
    return [line.replace(str(results), "results") for line in lines]


def test_the_quickstart_prints_what_the_readme_quotes_and_its_summary_page_is_its_report(tmp_path, capsys):
    start_local_ray()
    results = tmp_path / "results"
    printed = relative(run(["run", str(ROOT / "configs" / "quickstart.toml"), "--results", str(results)], capsys),
                       results)  # fmt: skip
    same_lines(printed, *quoted("quickstart"))
    report = (results / "quickstart" / "report" / "report.md").read_text()
    summary = (ROOT / "docs" / "quickstart-summary.md").read_text()
    if this_cpu() == quoted("quickstart")[1]:
        assert parse_tables(summary) == parse_tables(report)[: len(parse_tables(summary))]
    assert [t[0] for t in parse_tables(summary)] == [t[0] for t in parse_tables(report)][: len(parse_tables(summary))]


def test_the_compare_quickstart_prints_what_the_readme_quotes_and_the_sentence_holds(tmp_path, capsys):
    start_local_ray()
    results = tmp_path / "results"
    for name in ("pixels", "latent"):
        run(["run", str(ROOT / "configs" / "compare-quickstart" / f"{name}.toml"), "--results", str(results),
             "--quiet"], capsys)  # fmt: skip
    argv = ["compare", str(results / "compare-pixels"), str(results / "compare-latent"), "--out",
            str(results / "compare")]  # fmt: skip
    printed = relative(run(argv, capsys), results)
    same_lines(printed, *quoted("compare-quickstart"))
    claim = next(p.read_text() for p in documents() if "<!-- claim: compare-quickstart -->" in p.read_text())
    sentence = " ".join(claim.split("<!-- claim: compare-quickstart -->", 1)[1].split("![", 1)[0].split())
    found = re.search(r"it beats entropy at (\d+) and random at (\d+); .* reads ([\d.]+) against entropy and "
                      r"([\d.]+) against random, out of at most (\d+)", sentence)  # fmt: skip
    assert found, sentence
    wins = next(line for line in printed if line.strip().startswith("margin/top-k beats"))
    assert f"entropy/top-k at {found.group(1)} of 14" in wins and f"random at {found.group(2)} of 14" in wins
    import pandas as pd

    penalty = pd.read_csv(results / "compare" / "penalty_matrix.csv", index_col=0)
    assert f"{penalty.loc['margin/top-k', 'entropy/top-k']:.2f}" == found.group(3)
    assert f"{penalty.loc['margin/top-k', 'random']:.2f}" == found.group(4) and found.group(5) == "2"
    assert "Margin is never beaten" in sentence and penalty["margin/top-k"].sum() == 0


def test_the_adaptive_quickstart_prints_what_the_readme_quotes(tmp_path, capsys):
    start_local_ray()
    results = tmp_path / "results"
    argv = ["run", str(ROOT / "configs" / "adaptive-quickstart.toml"), "--results", str(results), "--quiet"]
    same_lines(relative(run(argv, capsys), results), *quoted("adaptive-quickstart"))


def test_every_quote_marker_is_well_formed():
    """A marker without its code block (or a CPU) would silently test nothing."""
    names = []
    for path in documents():
        text = path.read_text()
        for marker in re.finditer(r"<!-- output: ([\w-]+)(.*?)-->", text):
            assert re.fullmatch(r" \(cpu: [a-z0-9_ ]+\) ", marker.group(2)), (path, marker.group(0))
            assert text[marker.end() :].startswith("\n```"), (path, marker.group(0))
            names.append(marker.group(1))
    assert sorted(names) == ["adaptive-quickstart", "compare-quickstart", "quickstart"]


@pytest.mark.parametrize("command", ["run", "explore", "compare", "report"])
def test_every_option_of_a_command_is_in_the_readme(command):
    from latentsweep.cli import _parser

    parser = _parser()._subparsers._group_actions[0].choices[command]
    text = (ROOT / "README.md").read_text()
    usage = [line for line in text.splitlines() if line.startswith(f"latentsweep {command} ")]
    options = {o for a in parser._actions for o in a.option_strings if o.startswith("--") and o != "--help"}
    mentioned = {o for o in options if any(o in line for line in usage)}
    assert options == mentioned, sorted(options - mentioned)
    assert not any("--quiet --plain" in line for line in usage)  # they exclude each other


def test_docs_quickstart_summary_has_the_columns_the_report_writes():
    summary = (ROOT / "docs" / "quickstart-summary.md").read_text()
    header = parse_tables(summary)[0][0]
    assert header[:4] == ["strategy", "n", "labels/class", "test accuracy"], header


def test_tune_settings_are_documented():
    """Every [tune] key has a line in the README's tune config example."""
    from dataclasses import fields

    from latentsweep.config import TuneSettings

    text = (ROOT / "README.md").read_text()
    block = text[text.index("[tune]\ntrials = ") :].split("```", 1)[0]
    documented = {line.split("=")[0].strip() for line in block.splitlines() if "=" in line}
    missing = {f.name for f in fields(TuneSettings)} - documented - {"storage", "study", "objective_labels",
                                                                     "in_flight", "startup_trials"}  # fmt: skip
    assert not missing, missing
    assert all(f"`{name}`" in text for name in ("in_flight", "startup_trials", "objective_labels"))
