"""A report page as a reader's browser shows it: Debian's headless chromium, counting what loaded."""

import re
import shutil
import subprocess

import pytest


def images_and_tables(html_path, tmp_path) -> tuple[int, int, int]:
    """(images loaded, images, tables) of an HTML file opened in headless chromium; skips without one."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)")
    page = tmp_path / "check.html"
    script = (
        "<script>window.addEventListener('load', () => {const images = [...document.images];"
        "const loaded = images.filter(i => i.complete && i.naturalWidth > 0).length;"
        "const tables = document.querySelectorAll('table').length;"
        "document.body.insertAdjacentHTML('beforeend', `<pre id=result>${loaded}/${images.length} ${tables}</pre>`);"
        "});</script>"
    )
    page.write_text(html_path.read_text().replace("</body>", script + "</body>"))
    command = [
        browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}",
        "--virtual-time-budget=5000", "--dump-dom", page.as_uri(),
    ]  # fmt: skip
    completed = subprocess.run(command, capture_output=True, text=True, timeout=120)
    found = re.search(r"<pre id=\"result\">(\d+)/(\d+) (\d+)</pre>", completed.stdout)
    assert found, completed.stderr[-2000:]
    loaded, total, tables = map(int, found.groups())
    return loaded, total, tables
