"""The documentation site as a reader gets it: built from docs/ with warnings as errors (a broken link, a
missing reference, a page outside every table of contents fails), then its index and a generated reference
page opened in headless chromium, which must show the title, the navigation and the tables."""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

DOCS = Path(__file__).parent.parent / "docs"
PROBE = (
    "<script>window.addEventListener('load', () => {const found = {title: document.title,"
    "links: document.querySelectorAll('.sidebar-tree a').length, tables: document.querySelectorAll('table').length,"
    "rows: document.querySelectorAll('table tr').length, styled: document.styleSheets.length,"
    "heading: (document.querySelector('h1') || {}).textContent || ''};"
    "document.body.insertAdjacentHTML('beforeend', `<pre id=probe>${JSON.stringify(found)}</pre>`);});</script>"
)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site") / "html"
    command = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html", str(DOCS), str(out)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-4000:]
    return out


def rendered(page: Path, profile: Path) -> dict:
    """What chromium shows of a built page (probed in a copy next to it, so its styles and scripts load)."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)")
    probe = page.with_name(f"probe-{page.name}")
    probe.write_text(page.read_text().replace("</body>", PROBE + "</body>"))
    command = [
        browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
        "--disable-component-update", "--disable-sync", f"--user-data-dir={profile}", "--virtual-time-budget=5000",
        "--dump-dom", probe.as_uri(),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    found = re.search(r"<pre id=\"probe\">(.*?)</pre>", done.stdout, re.S)
    assert found, done.stderr[-2000:]
    return json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))


def test_every_page_is_built_and_reachable(site):
    pages = sorted(p.relative_to(site) for p in site.rglob("*.html") if not p.name.startswith(("probe-", "genindex")))
    names = {str(p) for p in pages}
    assert {"index.html", "reference/config.html", "reference/registries.html", "reference/cli.html",
            "reference/schema.html", "reference/api.html"} <= names  # fmt: skip
    assert len(pages) >= 30, names


def test_the_index_and_a_reference_page_render_in_a_browser(site, tmp_path):
    index = rendered(site / "index.html", tmp_path / "profile")
    assert index["title"].startswith("latentsweep") and index["styled"] >= 1
    assert index["links"] >= 20, index  # the navigation lists the site's pages
    config = rendered(site / "reference" / "config.html", tmp_path / "profile")
    assert config["heading"].startswith("Config keys") and config["tables"] >= 15 and config["rows"] >= 150, config
