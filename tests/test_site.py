"""The website is enough: what a reader and a student get from the built site alone.

- the site serves the rnncourse wheel and every exercise under its own file name;
- a fresh virtual environment with nothing but the site's files (the wheel, an exercise) and
  numpy from the package index runs the exercise with the solutions filled in: visible tests pass;
  without the wheel, the first cell stops with one message that says what to install;
- the publishing settings (SITE_URL, REPO_URL, JUPYTERHUB_URL) switch on the buttons;
- headless Chromium loads every page at 1280 and 390 px: MathJax rendered (no raw TeX), no broken
  image, no console error, alt text on every figure, Chinese text marked zh-Hans, working
  downloads, no horizontal overflow at 390 px; screenshots go to _build/screenshots/.

The book is built once for this module into _build/site-test (conftest keeps the module on one
pytest-xdist worker).
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
import venv
import zipfile
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted(p.stem for p in (ROOT / "book").glob("[0-9]*.ipynb"))
ASSIGNMENTS = sorted(p.name for p in (ROOT / "solutions").glob("[0-9]*") if p.is_dir())
META = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
WHEEL = f"{META['name']}-{META['version']}-py3-none-any.whl"
SCREENSHOTS = ROOT / "_build" / "screenshots"


def build(out: Path, **env) -> Path:
    cmd = [str(Path(sys.executable).with_name("jupyter-book")), "build", str(ROOT / "book"),
           "--config", str(ROOT / "_config.yml"), "--toc", str(ROOT / "_toc.yml"),
           "-W", "-n", "--keep-going", "--path-output", str(out)]
    clean = {k: v for k, v in os.environ.items()
             if k not in ("SITE_URL", "REPO_URL", "REPO_BRANCH", "JUPYTERHUB_URL")}
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900, env={**clean, **env})
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-5000:]
    assert "WARNING" not in log, [ln for ln in log.splitlines() if "WARNING" in ln]
    return out / "_build" / "html"


@pytest.fixture(scope="module")
def site():
    out = ROOT / "_build" / "site-test"
    shutil.rmtree(out, ignore_errors=True)
    return build(out)


# --- downloads ----------------------------------------------------------------------------


def test_site_serves_the_wheel_and_every_exercise_under_its_own_name(site):
    wheel = site / "downloads" / WHEEL
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
    assert "rnncourse/checks/__init__.py" in names and "rnncourse/rnn.py" in names
    assert not any("solutions" in n or n.endswith(".ipynb") for n in names)
    for a in ASSIGNMENTS:
        served = site / "downloads" / f"{a}-exercise.ipynb"
        assert served.read_bytes() == (ROOT / "exercises" / a / f"{a}.ipynb").read_bytes()
        # the chapter's own notebook (the page's download button) has another name
        assert (site / "_sources" / f"{a}.ipynb").exists()


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_each_exercise_section_links_its_exercise_the_wheel_and_the_setup_page(site, chapter):
    page = (site / f"{chapter}.html").read_text()
    section = page[page.index('id="exercise"'):]
    assert f'href="downloads/{chapter}-exercise.ipynb"' in section
    assert f'href="downloads/{WHEEL}"' in section
    assert 'href="setup.html"' in section


def test_setup_page_covers_local_jupyter_colab_and_jupyterhub(site):
    html = (site / "setup.html").read_text()
    page = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))  # the text a reader sees
    for needle in ("pip install", "Colab", "JupyterHub", "nbgrader", WHEEL, "%pip install"):
        assert needle in page, needle
    for a in ASSIGNMENTS:
        assert f'href="downloads/{a}-exercise.ipynb"' in html


def test_setup_cell_names_the_wheel_the_site_serves():
    for a in ASSIGNMENTS:
        nb = nbformat.read(ROOT / "exercises" / a / f"{a}.ipynb", as_version=4)
        setup = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "setup")
        assert f"%pip install {WHEEL}" in setup.source, a


# --- a student with nothing but the site -------------------------------------------------


def solution_sources(assignment: str) -> dict[str, str]:
    """grade_id -> source of the solution cells, with nbgrader's markers removed."""
    nb = nbformat.read(ROOT / "solutions" / assignment / f"{assignment}.ipynb", as_version=4)
    out = {}
    for c in nb.cells:
        meta = c.metadata.get("nbgrader", {})
        if meta.get("solution") and c.cell_type == "code":
            lines = [ln for ln in c.source.splitlines()
                     if ln.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION")]
            out[meta["grade_id"]] = "\n".join(lines)
    return out


def exercise_as_script(exercise: Path, fill: bool) -> str:
    """The downloaded exercise as the code a student's kernel runs, top to bottom."""
    nb = nbformat.read(exercise, as_version=4)
    fills = solution_sources(exercise.stem.removesuffix("-exercise")) if fill else {}
    cells = []
    for c in nb.cells:
        if c.cell_type != "code":
            continue
        gid = c.metadata.get("nbgrader", {}).get("grade_id")
        src = fills.get(gid, c.source)
        if "BEGIN HIDDEN TESTS" in src or "BEGIN SOLUTION" in src:
            raise AssertionError(f"{exercise.name}: a hidden test or a solution was published")
        # one cell = one block; a failing cell stops the run, like "Run All" in Jupyter
        cells.append(f"# --- cell {gid}\nexec(compile({src!r}, {gid!r}, 'exec'))")
    return "\n".join(cells) + "\nprint('ALL CELLS RAN')\n"


@pytest.fixture(scope="module")
def student_env(site, tmp_path_factory):
    """A fresh venv; the only files copied in are those the site offers for download."""
    home = tmp_path_factory.mktemp("student")
    for f in (site / "downloads").iterdir():
        shutil.copy(f, home / f.name)
    venv.create(home / "env", with_pip=True, clear=True)
    py = home / "env" / "bin" / "python"
    return home, py


def test_without_the_package_the_exercise_says_what_to_install(student_env):
    home, py = student_env
    ex = home / f"{ASSIGNMENTS[0]}-exercise.ipynb"
    proc = subprocess.run([str(py), "-c", exercise_as_script(ex, fill=False)], cwd=home,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("ModuleNotFoundError: This exercise needs the course package rnncourse")
    assert f"%pip install {WHEEL}" in last
    assert "NameError" not in proc.stderr
    assert proc.stderr.count("Traceback") == 1


def test_wheel_from_the_site_runs_every_exercise_with_solutions_filled_in(student_env):
    home, py = student_env
    pip = subprocess.run([str(py), "-m", "pip", "install", "--quiet", str(home / WHEEL)],
                         cwd=home, capture_output=True, text=True, timeout=600)
    assert pip.returncode == 0, pip.stderr[-3000:]
    # the fresh environment has rnncourse and numpy only: no torch, no matplotlib, no Jupyter
    check = subprocess.run([str(py), "-c", "import importlib.util as u; print("
                            "[m for m in ('torch', 'matplotlib', 'nbgrader') if u.find_spec(m)])"],
                           capture_output=True, text=True)
    assert check.stdout.strip() == "[]"
    for a in ASSIGNMENTS:
        ex = home / f"{a}-exercise.ipynb"
        proc = subprocess.run([str(py), "-c", exercise_as_script(ex, fill=True)], cwd=home,
                              capture_output=True, text=True, timeout=600,
                              env={"PATH": os.environ["PATH"], "HOME": str(home)})
        assert proc.returncode == 0 and "ALL CELLS RAN" in proc.stdout, (a, proc.stderr[-3000:])
        # and the untouched exercise fails its first visible test, not with an import error
        stub = subprocess.run([str(py), "-c", exercise_as_script(ex, fill=False)], cwd=home,
                              capture_output=True, text=True, timeout=600)
        assert stub.returncode != 0 and "NotImplementedError" in stub.stderr, a


# --- publishing ---------------------------------------------------------------------------


def test_site_address_turns_on_repository_issue_and_launch_buttons(tmp_path):
    plain = (ROOT / "_build" / "site-test" / "_build" / "html" / "04-recurrent-network.html")
    if plain.exists():
        text = plain.read_text()
        assert "github.com" not in text and "mybinder" not in text
    html = build(tmp_path, SITE_URL="https://example-org.github.io/rnncourse/",
                 JUPYTERHUB_URL="https://hub.example.edu")
    page = (html / "04-recurrent-network.html").read_text()
    assert "https://github.com/example-org/rnncourse" in page            # repository button
    assert "https://github.com/example-org/rnncourse/issues/new" in page  # issue button
    assert "mybinder.org/v2/gh/example-org/rnncourse/main" in page        # Binder
    assert "colab.research.google.com/github/example-org/rnncourse" in page
    assert "https://hub.example.edu/hub/user-redirect/git-pull" in page   # JupyterHub
    assert '<link rel="canonical" href="https://example-org.github.io/rnncourse/' in page


# --- a real browser -----------------------------------------------------------------------

PAGE_CHECK = r"""
(async () => {
  const main = document.querySelector('.bd-article') || document.body;
  const r = {};
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await MathJax.startup.promise;
  }
  r.math = document.querySelectorAll('mjx-container').length;
  r.unrendered = [...main.querySelectorAll('.math')].filter(
      e => !e.querySelector('mjx-container')).map(e => e.textContent.slice(0, 60));
  const clone = main.cloneNode(true);
  clone.querySelectorAll('pre, code, script, mjx-container, .highlight, .output').forEach(
      e => e.remove());
  const text = clone.innerText;
  r.rawTex = (text.match(/\$\$|\\\(|\\\[|\\(frac|langle|mathcal|hat|sum|begin)\b/g) || []);
  r.images = [...document.images].map(i => ({src: i.getAttribute('src'), alt: i.alt,
      ok: i.complete && i.naturalWidth > 0, w: i.getBoundingClientRect().width,
      inMain: main.contains(i)}));
  r.figures = [...main.querySelectorAll('figure')].map(f => ({
      caption: (f.querySelector('figcaption') || {innerText: ''}).innerText.trim()}));
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  r.cjkOutside = [];
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (/[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]/.test(n.nodeValue) &&
        !n.parentElement.closest('[lang="zh-Hans"]') &&
        !n.parentElement.closest('script, style, pre, code')) {
      r.cjkOutside.push(n.nodeValue.trim().slice(0, 40));
    }
  }
  r.zh = document.querySelectorAll('[lang="zh-Hans"]').length;
  r.headers = [...document.querySelectorAll('header')].filter(
      h => h.getBoundingClientRect().height > 0).length;
  r.downloads = [];
  for (const a of document.querySelectorAll('a.download')) {
    const resp = await fetch(a.href);
    const buf = new Uint8Array(await resp.arrayBuffer());
    const head = String.fromCharCode(...buf.slice(0, 2));
    let kind = 'other';
    if (head === 'PK') kind = 'zip';
    else { try { if ('nbformat' in JSON.parse(new TextDecoder().decode(buf))) kind = 'notebook'; }
           catch (e) {} }
    r.downloads.push({href: a.getAttribute('href'), status: resp.status, size: buf.length, kind});
  }
  return r;
})()
"""

OVERFLOW = r"""
(() => {
  const vw = document.documentElement.clientWidth;
  const wide = [...document.querySelectorAll('body *')].filter(e => {
    const b = e.getBoundingClientRect();
    return b.right > vw + 1 && b.width > 0 && getComputedStyle(e).position !== 'fixed'
        && !e.closest('.bd-sidebar-primary, .bd-sidebar-secondary, .table-wrapper, table, '
                      + 'mjx-container, .math, pre, .highlight, .output, .cell_output');
  }).slice(0, 5).map(e => e.tagName + '.' + e.className);
  return {scroll: document.documentElement.scrollWidth, viewport: vw, wide};
})()
"""


def site_pages(html: Path) -> list[str]:
    return sorted(p.name for p in html.glob("*.html")
                  if p.name not in ("genindex.html", "search.html", "index.html"))


FILE_NAME_ALT = re.compile(r"(\.(png|svg|jpe?g|gif)$)|(^[0-9a-f]{16,})", re.I)


def test_every_page_in_a_real_browser(site):
    from browser import Browser, SiteServer, ensure_chromium

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for old in SCREENSHOTS.glob("*.png"):
        old.unlink()
    problems: list[str] = []
    pages = site_pages(site)
    assert {f"{c}.html" for c in CHAPTERS} <= set(pages)
    browser = Browser(ensure_chromium())
    try:
        with SiteServer(site) as server:
            for name in pages:
                browser.set_width(1280)
                browser.goto(server.url + name)
                r = browser.evaluate(PAGE_CHECK, await_promise=True)
                where = name
                if r["unrendered"] or r["rawTex"]:
                    problems.append(f"{where}: raw TeX {r['unrendered'][:3]} {r['rawTex'][:5]}")
                for img in r["images"]:
                    if not img["ok"]:
                        problems.append(f"{where}: broken image {img['src']}")
                    if img["inMain"] and (len(img["alt"].split()) < 5
                                          or FILE_NAME_ALT.search(img["alt"].strip())):
                        problems.append(f"{where}: figure {img['src']} alt text {img['alt']!r}")
                if any(not f["caption"] for f in r["figures"]):
                    problems.append(f"{where}: a figure without caption")
                if r["cjkOutside"]:
                    problems.append(f"{where}: Chinese text without lang: {r['cjkOutside'][:3]}")
                if r["headers"] > 1:
                    problems.append(f"{where}: {r['headers']} visible header bars")
                for d in r["downloads"]:
                    expected = "zip" if d["href"].endswith(".whl") else "notebook"
                    if d["status"] != 200 or d["kind"] != expected:
                        problems.append(f"{where}: download {d}")
                if name.startswith(tuple(CHAPTERS)):
                    if r["math"] < 3:
                        problems.append(f"{where}: only {r['math']} formulas rendered")
                    kinds = sorted({d["kind"] for d in r["downloads"]})
                    if kinds != ["notebook", "zip"]:
                        problems.append(f"{where}: exercise/wheel downloads missing: {kinds}")
                browser.screenshot(SCREENSHOTS / f"{name[:-5]}-1280.png", 1280)
                browser.set_width(390)
                browser.evaluate("new Promise(r => setTimeout(r, 300))", await_promise=True)
                o = browser.evaluate(OVERFLOW)
                if o["scroll"] > o["viewport"] + 1 or o["wide"]:
                    problems.append(f"{where}: horizontal overflow at 390 px: {o}")
                browser.screenshot(SCREENSHOTS / f"{name[:-5]}-390.png", 390)
                for err in browser.errors():
                    problems.append(f"{where}: console error: {err}")
    finally:
        browser.close()
    assert not problems, "\n".join(problems)
    assert len(list(SCREENSHOTS.glob("*.png"))) == 2 * len(pages)
