"""The rendered book: a strict build (-W -n) with zero warnings, and what a reader gets from it."""
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted(p.stem for p in (ROOT / "book").glob("[0-9]*.ipynb"))


@pytest.fixture(scope="module")
def html(tmp_path_factory):
    out = tmp_path_factory.mktemp("book")
    cmd = [str(Path(sys.executable).with_name("jupyter-book")), "build", str(ROOT / "book"),
           "--config", str(ROOT / "_config.yml"), "--toc", str(ROOT / "_toc.yml"),
           "-W", "-n", "--keep-going", "--path-output", str(out)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-5000:]
    assert "build succeeded" in log
    assert "WARNING" not in log, [ln for ln in log.splitlines() if "WARNING" in ln]
    return out / "_build" / "html"


def test_every_chapter_and_appendix_is_rendered(html):
    for name in CHAPTERS + ["intro", "appendix-glossary", "appendix-errata"]:
        assert (html / f"{name}.html").exists(), name
    assert (html / "index.html").exists()
    # maths renders offline: MathJax is served from the site, not from a CDN
    assert (html / "_static" / "mathjax" / "tex-chtml.js").exists()
    assert 'src="_static/mathjax/tex-chtml.js"' in (html / "intro.html").read_text()


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_has_figures_maths_and_its_exercise(html, chapter):
    page = (html / f"{chapter}.html").read_text()
    figures = re.findall(r'<img[^>]+src="(_images/[^"]+\.png)"', page)
    assert len(figures) >= 2, f"{chapter}: expected at least two figures"
    for src in figures:
        assert (html / src).stat().st_size > 5000, src  # a real plot, not an empty canvas
    assert page.count('class="math') >= 3, f"{chapter}: no rendered maths"
    assert "output traceback" not in page and "output stderr" not in page, f"{chapter}: an error is rendered"
    links = re.findall(r'href="(downloads/[^"]+\.ipynb)"', page)
    assert links, f"{chapter}: no download link to its exercise"
    served = html / links[0]
    # its own name: not the name of the chapter's notebook (the page's download button)
    assert served.name == f"{chapter}-exercise.ipynb"
    assert served.read_bytes() == (ROOT / "exercises" / chapter / f"{chapter}.ipynb").read_bytes()


def test_no_solution_reaches_the_site(html):
    markers = ["BEGIN SOLUTION", "BEGIN HIDDEN TESTS", "END SOLUTION"]
    for path in html.rglob("*"):
        if path.suffix in {".html", ".ipynb", ".txt", ".js", ".md"}:
            text = path.read_text(errors="ignore")
            for m in markers:
                assert m not in text, f"{m} in {path.relative_to(html)}"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_stored_outputs_hold_no_error_or_warning(chapter):
    """The committed notebook shows what a reader sees: no tracebacks, no stderr (warnings, progress bars)."""
    nb = json.loads((ROOT / "book" / f"{chapter}.ipynb").read_text())
    for k, cell in enumerate(nb["cells"]):
        for out in cell.get("outputs", []):
            assert out["output_type"] != "error", f"{chapter} cell {k}: {out.get('ename')}"
            assert not (out["output_type"] == "stream" and out["name"] == "stderr"), f"{chapter} cell {k}: stderr"
