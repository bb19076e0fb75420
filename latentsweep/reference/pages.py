"""The reference pages of the documentation site, written as MyST markdown from the declarations (config keys,
registries, the CLI's parser, the Parquet schema, the public Python names): what is documented is what exists.
`docs/conf.py` calls `write_pages` before every build, with the plugins of LATENTSWEEP_PLUGINS loaded."""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

from ..registry import Param
from .config import CONFIG_KINDS, KeyTable
from .registries import REGISTRIES, entries

# The modules whose public names (`__all__`) the Python API page lists.
API_MODULES = (
    "latentsweep.engine", "latentsweep.strategies", "latentsweep.classifiers", "latentsweep.stopping",
    "latentsweep.data", "latentsweep.results", "latentsweep.compute", "latentsweep.config", "latentsweep.testing",
)  # fmt: skip

CONFIG_TITLES = {"sweep": "Sweep configs (`plan`, `run`)", "tune": "Tuning configs (`tune`)",
                 "initial": "Initial-selection configs (`initial`)"}  # fmt: skip


def cell(value) -> str:
    """Text as one Markdown table cell: pipes escaped, line breaks folded."""
    return " ".join(str(value).split()).replace("|", "\\|") or " "


def _rows(header: tuple[str, ...], rows: list[tuple]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]


def _code(text: str) -> str:
    return f"`{text}`" if text else ""


def _table(table: KeyTable) -> list[str]:
    lines = [f"### {table.title}", ""]
    if table.note:
        lines += [table.note[0].upper() + table.note[1:] + ".", ""]
    rows = [(_code(k.key), _code(k.default), k.accepts, k.meaning) for k in table.keys]
    return lines + _rows(("key", "default", "accepts", "meaning"), rows) + [""]


def config_page() -> str:
    lines = ["# Config keys", "",
             "Every key of every config kind, generated from the declarations the config readers check values "
             "against. A sweep config's [data], [[representations]], [classifier] and [ray] tables are shared by "
             "the other kinds.", ""]  # fmt: skip
    for kind, tables in CONFIG_KINDS.items():
        lines += [f"## {CONFIG_TITLES[kind]}", ""]
        for table in tables():
            lines += _table(table)
    return "\n".join(lines)


def _param_rows(params: list[tuple[str, Param]]) -> list[tuple]:
    return [(_code(name), _code(repr(p.default)), p.expected(), p.doc) for name, p in params]


def registries_page() -> str:
    lines = ["# Registries", "",
             "Every entry of every registry, with what it declares: generated from the registries, so a plugin's "
             "entries appear in a reference built with the plugin loaded (LATENTSWEEP_PLUGINS).", ""]  # fmt: skip
    for title, registry, key, what in REGISTRIES:
        lines += [f"## {title}", "", f"{what[0].upper()}{what[1:]}; named by {_code(key)}.", ""]
        for entry in entries(registry):
            lines += [f"### {entry.name}", "", entry.description, ""]
            if entry.declared:
                lines += ["Declares: " + "; ".join(f"{name} {_code(value)}" for name, value in entry.declared), ""]
            if entry.params:
                lines += [*_rows(("parameter", "default", "accepts", "meaning"), _param_rows(entry.params)), ""]
    return "\n".join(lines)


def schema_page() -> str:
    from ..results.columns import meaning
    from ..results.schema import SCHEMA_VERSION, SCHEMAS

    lines = ["# Result schema", "",
             f"The Parquet tables of a sweep folder (schema version {SCHEMA_VERSION}), generated from "
             "`latentsweep.results.schema`: one file per trial in each table (`trials/<trial_id>.parquet`; after "
             "`compact` also `part-*.parquet`). Read one as a table with "
             '`pandas.read_parquet("results/NAME/trials")`.', ""]  # fmt: skip
    for name, schema in SCHEMAS.items():
        lines += [f"## {name}", ""]
        rows = [(_code(f.name), str(f.type), meaning(name, f.name)) for f in schema]
        lines += [*_rows(("column", "type", "meaning"), rows), ""]
    return "\n".join(lines)


def cli_page() -> str:
    return "\n".join([
        "# Command line", "",
        "Every command and option, generated from the parser `latentsweep` runs. Exit codes: 0 done; 1 some trials "
        "failed; 2 bad input (one line naming the key, file or option), before any work; 128 + N stopped by "
        "signal N (130 Ctrl-C, 143 SIGTERM), with every finished trial stored.", "",
        "```{eval-rst}", ".. argparse::", "   :module: latentsweep.arguments", "   :func: _parser",
        "   :prog: latentsweep", "```", "",
    ])  # fmt: skip


def _summary(obj) -> str:
    doc = inspect.getdoc(obj) or ""
    return " ".join(doc.split("\n\n")[0].split())


def api_page() -> str:
    lines = ["# Python API", "",
             "The public names of latentsweep's packages (their `__all__`), with the first paragraph of each "
             "docstring; `help(name)` in Python gives the rest.", ""]  # fmt: skip
    for module_name in API_MODULES:
        module = importlib.import_module(module_name)
        lines += [f"## {module_name}", "", _summary(module), ""]
        rows = []
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name)
            kind = "class" if inspect.isclass(obj) else "function" if callable(obj) else "value"
            rows.append((_code(name), kind, _summary(obj) if kind != "value" else ""))
        lines += [*_rows(("name", "kind", "what"), rows), ""]
    return "\n".join(lines)


PAGES = {"config": config_page, "registries": registries_page, "cli": cli_page, "schema": schema_page,
         "api": api_page}  # fmt: skip


def write_pages(folder: str | Path) -> list[Path]:
    """Writes every generated reference page into `folder` (docs/reference); returns their paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, page in PAGES.items():
        path = folder / f"{name}.md"
        text = page().rstrip() + "\n"
        if not path.exists() or path.read_text(encoding="utf-8") != text:  # unchanged pages keep their mtime
            path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
