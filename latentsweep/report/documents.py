"""The documents a report and `compare` write: Markdown tables and paragraphs, and one self-contained HTML
page (figures embedded, no network) made from the same Markdown, so the two always hold the same numbers.

Every table cell is escaped: a `|` inside a cell is written `\\|` (GitHub's Markdown, pandoc) and read
back as one cell, so a row always has as many cells as its header.
"""

from __future__ import annotations

import base64
import html
import math
import re
from pathlib import Path

import pandas as pd

from ..results import atomic_write_bytes

_UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")


def cell_text(value, digits: int = 4) -> str:
    """A value as a table shows it: numbers to `digits` significant places, NaN as '-', text with its pipes
    escaped and without line breaks."""
    if isinstance(value, float):
        return "-" if not math.isfinite(value) else f"{value:.{digits}g}"
    return " ".join(str(value).split()).replace("|", "\\|")


def markdown(table: pd.DataFrame, digits: int = 4) -> str:
    """A pandas table as a Markdown table (numbers to `digits` significant places; NaN as '-')."""
    if table.empty:
        return "(nothing to show)"
    header = "| " + " | ".join(cell_text(str(c)) for c in table.columns) + " |"
    lines = [header, "|" + "---|" * len(table.columns)]
    for _, row in table.iterrows():
        lines.append("| " + " | ".join(cell_text(v, digits) for v in row.to_numpy()) + " |")
    return "\n".join(lines)


def table_cells(line: str) -> list[str]:
    """The cells of one Markdown table row, unescaped ('| a \\| b | c |' -> ['a | b', 'c'])."""
    inner = line.strip()
    inner = inner[1:] if inner.startswith("|") else inner
    inner = inner[:-1] if inner.endswith("|") and not inner.endswith("\\|") else inner
    return [part.strip().replace("\\|", "|") for part in _UNESCAPED_PIPE.split(inner)]


def parse_tables(text: str) -> list[list[list[str]]]:
    """Every Markdown table of `text` as rows of cells, header first (the separator row left out)."""
    tables, current = [], []
    for line in [*text.split("\n"), ""]:
        if line.startswith("|"):
            if not re.fullmatch(r"\|(\s*:?-+:?\s*\|)+", line.strip()):
                current.append(table_cells(line))
            continue
        if current:
            tables.append(current)
            current = []
    return tables


def markdown_to_html(text: str) -> str:
    """The Markdown this module writes (tables and paragraphs) as HTML."""
    out: list[str] = []
    for block in _blocks(text):
        if isinstance(block, list):
            header, *rows = block
            out.append("<table><tr>" + "".join(f"<th>{html.escape(c)}</th>" for c in header) + "</tr>")
            out.extend("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows)
            out.append("</table>")
        elif block.strip():
            out.append(f"<p>{html.escape(block)}</p>")
    return "\n".join(out)


def _blocks(text: str):
    """Paragraph lines (str) and tables (lists of rows of cells) in order."""
    table: list[str] = []
    for line in [*text.split("\n"), ""]:
        if line.startswith("|"):
            table.append(line)
            continue
        if table:
            yield parse_tables("\n".join(table))[0]
            table = []
        yield line


def write_documents(folder: Path, title: str, intro: str, sections, stem: str = "report") -> list[Path]:
    """`stem`.md and a self-contained `stem`.html (figures embedded) of `sections`: (heading, Markdown
    body of tables and paragraphs, PNG paths under folder/figures)."""
    lines = [f"# {title}", "", intro, ""]
    for heading, body, images in sections:
        lines += [f"## {heading}", ""]
        if body:
            lines += [body, ""]
        lines += [f"![{heading}](figures/{p.name})" for p in images] + ([""] if images else [])
    markdown_path = folder / f"{stem}.md"
    atomic_write_bytes(markdown_path, "\n".join(lines).encode())
    parts = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'>",
        f"<title>{html.escape(title)}</title>",
        "<style>body{font-family:sans-serif;max-width:1200px;margin:2em auto;padding:0 1em}"
        "table{border-collapse:collapse;font-size:13px;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 7px}"
        "th{background:#f3f3f3}img{max-width:100%;border:1px solid #eee}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        markdown_to_html(intro),
    ]
    for heading, body, images in sections:
        parts.append(f"<h2>{html.escape(heading)}</h2>")
        if body:
            parts.append(markdown_to_html(body))
        for image in images:
            data = base64.b64encode(image.read_bytes()).decode()
            parts.append(f"<figure><img alt='{html.escape(heading)}' src='data:image/png;base64,{data}'></figure>")
    parts.append("</body></html>")
    html_path = folder / f"{stem}.html"
    atomic_write_bytes(html_path, "\n".join(parts).encode())
    return [markdown_path, html_path]
