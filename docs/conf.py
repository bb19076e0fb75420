"""Sphinx configuration of latentsweep's documentation: MyST markdown pages, the furo theme, and a reference
generated from the code before every build (`latentsweep.reference.write_pages`; plugins named in
LATENTSWEEP_PLUGINS, comma-separated, are loaded first so that their entries are documented too).

    pip install -e ".[docs]"
    python -m sphinx -W --keep-going -b html docs docs/_build/html
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from latentsweep import __version__  # noqa: E402
from latentsweep.plugins import load_plugins  # noqa: E402
from latentsweep.reference import write_pages  # noqa: E402

load_plugins(tuple(p for p in os.environ.get("LATENTSWEEP_PLUGINS", "").split(",") if p))
write_pages(Path(__file__).parent / "reference")

project = "latentsweep"
author = "the latentsweep authors"
copyright = "2026, the latentsweep authors"
release = version = __version__

extensions = ["myst_parser", "sphinxarg.ext"]
source_suffix = {".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "quickstart-summary.md"]
myst_heading_anchors = 3
suppress_warnings = ["myst.xref_missing"] if os.environ.get("LATENTSWEEP_DOCS_LENIENT") else []

html_theme = "furo"
html_title = f"latentsweep {version}"
html_static_path: list[str] = []
