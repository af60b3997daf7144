"""Sphinx extension of the rnncourse book (loaded by _config.yml, `sphinx.local_extensions`).

What it adds to Jupyter Book 1:

- the role ``{zh}`循环神经网络` `` marks a Chinese term: ``<span class="zh" lang="zh-Hans">``, so
  screen readers switch voice and browsers pick a Simplified-Chinese font (book/_static/rnncourse.css);
- the role ``{exercise}`04-recurrent-network` `` links the released exercise
  ``exercises/04-recurrent-network/04-recurrent-network.ipynb``, served as
  ``downloads/04-recurrent-network-exercise.ipynb`` (its own file name, unlike the chapter's
  notebook download); the role ``{wheel}`` links the wheel of the ``rnncourse`` package, which
  the build makes from the repository (``pip wheel``) and serves as ``downloads/<wheel name>``;
- publishing settings from the environment (the Makefile passes ``SITE_URL``, ``REPO_URL``,
  ``JUPYTERHUB_URL``): the site's address, the repository and issue buttons, and the launch
  buttons (Binder, Colab, JupyterHub); see README.md, "Publishing the book";
- a fix for a duplicated inline script of sphinx-thebe (``const THEBE_JS_URL`` declared twice on
  every page, a SyntaxError in the console).
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

from docutils import nodes
from sphinx.util import logging

logger = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parents[2]
DOWNLOADS = "downloads"  # folder of the site that holds the wheel and the exercises


def wheel_name() -> str:
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return f"{meta['name']}-{meta['version']}-py3-none-any.whl"


def exercise_file(slug: str) -> str:
    return f"{slug}-exercise.ipynb"


# --- nodes -------------------------------------------------------------------------------


class zh_term(nodes.inline):
    """A run of Chinese text."""


class site_download(nodes.inline):
    """A link to a file in the site's downloads/ folder (with the HTML `download` attribute)."""


def visit_zh_html(self, node):
    self.body.append('<span class="zh" lang="zh-Hans">')


def depart_zh_html(self, node):
    self.body.append("</span>")


def visit_download_html(self, node):
    prefix = "../" * self.builder.current_docname.count("/")
    href = f"{prefix}{DOWNLOADS}/{node['filename']}"
    self.body.append(
        f'<a class="reference download internal" href="{href}" download="{node["filename"]}">'
        f'<code class="docutils literal notranslate"><span class="pre">')


def depart_download_html(self, node):
    self.body.append("</span></code></a>")


def visit_plain(self, node):
    pass


def depart_plain(self, node):
    pass


# --- roles -------------------------------------------------------------------------------


def zh_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    return [zh_term(rawtext, text)], []


def exercise_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    slug = text.strip()
    source = ROOT / "exercises" / slug / f"{slug}.ipynb"
    if not source.exists():
        msg = inliner.reporter.error(f"exercise: no released exercise {source}", line=lineno)
        return [inliner.problematic(rawtext, rawtext, msg)], [msg]
    env = inliner.document.settings.env
    env.note_dependency(str(source))
    env.rnncourse_exercises = getattr(env, "rnncourse_exercises", set()) | {slug}
    node = site_download(rawtext, exercise_file(slug), filename=exercise_file(slug))
    return [node], []


def wheel_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    name = wheel_name()
    return [site_download(rawtext, name, filename=name)], []


# --- build steps -------------------------------------------------------------------------


def build_wheel(app) -> Path:
    """Build the rnncourse wheel from the repository (no network: no build isolation)."""
    out = Path(app.outdir).parent / "wheel"
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    with tempfile.TemporaryDirectory() as tmp:
        # build from a copy, so that the repository gets no build/ or *.egg-info folders
        src = Path(tmp) / "src"
        shutil.copytree(ROOT / "rnncourse", src / "rnncourse",
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        for f in ("pyproject.toml", "README.md", "LICENSE"):
            shutil.copy(ROOT / f, src / f)
        cmd = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
               "--no-build-isolation", "--wheel-dir", str(out), str(src)]
        proc = subprocess.run(cmd, capture_output=True, text=True)
    wheel = out / wheel_name()
    if proc.returncode != 0 or not wheel.exists():
        raise RuntimeError(f"building the rnncourse wheel failed:\n{proc.stdout}\n{proc.stderr}")
    return wheel


def copy_downloads(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    dest = Path(app.outdir) / DOWNLOADS
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy(build_wheel(app), dest / wheel_name())
    for slug in sorted(getattr(app.env, "rnncourse_exercises", set())):
        shutil.copy(ROOT / "exercises" / slug / f"{slug}.ipynb", dest / exercise_file(slug))


def merge_exercises(app, env, docnames, other):
    env.rnncourse_exercises = (getattr(env, "rnncourse_exercises", set())
                               | getattr(other, "rnncourse_exercises", set()))


def purge_exercises(app, env, docname):
    # recomputed while reading; keeping the union is harmless (files exist or the role errs)
    return


def github_pages_repository(site_url: str) -> str | None:
    """https://ORG.github.io/REPO/ -> https://github.com/ORG/REPO (GitHub Pages' convention)."""
    m = re.match(r"https?://([A-Za-z0-9-]+)\.github\.io/([A-Za-z0-9._-]+)/?$", site_url)
    return f"https://github.com/{m.group(1)}/{m.group(2)}" if m else None


def publishing(app, config):
    """SITE_URL (and optionally REPO_URL, REPO_BRANCH, JUPYTERHUB_URL) switch on the buttons."""
    site = os.environ.get("SITE_URL", "").strip()
    repo = os.environ.get("REPO_URL", "").strip() or (github_pages_repository(site) if site else None)
    hub = os.environ.get("JUPYTERHUB_URL", "").strip()
    opts = dict(config.html_theme_options or {})
    if site:
        config.html_baseurl = site if site.endswith("/") else site + "/"
    if repo:
        opts.update(repository_url=repo.rstrip("/"),
                    repository_branch=os.environ.get("REPO_BRANCH", "main") or "main",
                    path_to_docs="book", use_repository_button=True, use_issues_button=True)
        launch = {"binderhub_url": "https://mybinder.org",
                  "colab_url": "https://colab.research.google.com",
                  "notebook_interface": "jupyterlab"}
        if hub:
            launch["jupyterhub_url"] = hub
        opts["launch_buttons"] = launch
    config.html_theme_options = opts


def dedupe_scripts(app, pagename, templatename, context, doctree):
    """sphinx-thebe adds its inline configuration script twice: keep one of each script."""
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, kept = set(), []
    for js in scripts:
        # the copy has filename '' where the original has None
        name = getattr(js, "filename", str(js)) or None
        key = (name, tuple(sorted((k, str(v)) for k, v in getattr(js, "attributes", {}).items())))
        if key not in seen:
            seen.add(key)
            kept.append(js)
    scripts[:] = kept


def setup(app):
    app.add_node(zh_term, html=(visit_zh_html, depart_zh_html),
                 latex=(visit_plain, depart_plain), text=(visit_plain, depart_plain))
    app.add_node(site_download, html=(visit_download_html, depart_download_html),
                 latex=(visit_plain, depart_plain), text=(visit_plain, depart_plain))
    app.add_role("zh", zh_role)
    app.add_role("exercise", exercise_role)
    app.add_role("wheel", wheel_role)
    app.connect("config-inited", publishing)
    app.connect("env-merge-info", merge_exercises)
    app.connect("html-page-context", dedupe_scripts, priority=999)  # after the others: they add scripts
    app.connect("build-finished", copy_downloads)
    app.add_css_file("rnncourse.css")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
