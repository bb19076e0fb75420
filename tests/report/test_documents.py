"""The documents a report writes: every Markdown table well formed (a `|` inside a cell is escaped and read
back as one cell), and the HTML page made from the same Markdown, with the same cells under the same headers."""

import math
import re

import pandas as pd

from latentsweep.report.documents import cell_text, markdown, markdown_to_html, parse_tables, write_documents


def test_a_pipe_inside_a_cell_stays_in_its_cell():
    table = pd.DataFrame({"setting": ["a | b | c", "d"], "n": [3, 4], "score": [0.84166666, math.nan]})
    text = markdown(table)
    (rows,) = parse_tables(text)
    assert rows == [["setting", "n", "score"], ["a | b | c", "3", "0.8417"], ["d", "4", "-"]]
    assert all(len(row) == 3 for row in rows)
    assert "a \\| b \\| c" in text  # escaped as GitHub's Markdown reads it


def test_the_html_table_has_the_markdown_tables_cells_under_the_same_headers():
    table = pd.DataFrame({"setting": ["x | y"], "strategy": ["margin/top-k"], "n": [5]})
    html = markdown_to_html("A paragraph.\n\n" + markdown(table) + "\n\nAfter.")
    header = re.findall(r"<th>(.*?)</th>", html)
    cells = re.findall(r"<td>(.*?)</td>", html)
    assert header == ["setting", "strategy", "n"] and cells == ["x | y", "margin/top-k", "5"]
    assert html.count("<p>") == 2 and "<p>A paragraph.</p>" in html


def test_cells_are_one_line_and_numbers_have_four_significant_digits():
    assert cell_text("two\nlines") == "two lines"
    assert cell_text(0.000123456) == "0.0001235" and cell_text(12.3456) == "12.35" and cell_text(math.inf) == "-"


def test_written_documents_hold_every_section(tmp_path):
    (tmp_path / "figures").mkdir()
    sections = [("Numbers | and more", markdown(pd.DataFrame({"a": [1]})), [])]
    paths = write_documents(tmp_path, "title", "intro", sections)
    assert [p.name for p in paths] == ["report.md", "report.html"]
    text = paths[0].read_text()
    assert "## Numbers | and more" in text and parse_tables(text) == [[["a"], ["1"]]]
    assert "<h2>Numbers | and more</h2>" in paths[1].read_text()
