"""The book's text-wide conventions (CONTRIBUTING.md, "Chapters"), checked on the sources.

They hold for text written later too: a new "note 003", an unmarked Chinese term, a figure
without caption or alt text, a long code line, a bare "chapter 4" fails here.
`make site-pass` (scripts/site_pass.py) fixes the mechanical ones.
"""
from __future__ import annotations

import base64
import re
import struct
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
NOTEBOOKS = sorted(BOOK.glob("[0-9]*.ipynb"))
PAGES = sorted(BOOK.glob("*.md"))
CHAPTER_NUMBERS = {int(p.name[:2]): p.stem for p in NOTEBOOKS}

CJK = re.compile(r"[\u2e80-\u2fdf\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff"
                 r"\uf900-\ufaff\uff00-\uffef]")
FILE_NUMBER = re.compile(r"\b(?:notes?|seeds?)\s+00\d\b", re.I)
CODE_FENCE = re.compile(r"```(?!\{(?:note|warning|tip|important|caution|admonition|seealso|hint"
                        r"|attention|danger|error|margin|sidebar|dropdown|topic|epigraph|div)\b)"
                        r".*?```", re.S)


def markdown_texts():
    """(where, text) for every markdown cell of the chapters and every .md page."""
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        for k, cell in enumerate(nb.cells):
            if cell.cell_type == "markdown":
                yield f"{path.name} cell {k}", path.stem, cell.source
    for path in PAGES:
        yield path.name, None, path.read_text()


def strip_code(text: str) -> str:
    text = CODE_FENCE.sub(" ", text)
    return re.sub(r"``[^`]*``|`[^`]*`", " ", text)


def figure_cells():
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                pngs = [o for o in cell.get("outputs", []) if "image/png" in o.get("data", {})]
                if pngs:
                    yield path, cell, pngs


def test_sources_are_cited_by_name_never_by_file_number():
    found = []
    for where, _, text in markdown_texts():
        found += [f"{where}: {m.group(0)}" for m in FILE_NUMBER.finditer(text)]
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        for k, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            texts = [cell.source] + [o.get("text", "") for o in cell.get("outputs", [])]
            texts += [str(o.get("data", {}).get("text/plain", "")) for o in cell.get("outputs", [])]
            found += [f"{path.name} cell {k}: {m.group(0)}" for t in texts
                      for m in FILE_NUMBER.finditer(t)]
    assert not found, found


def test_every_citation_key_is_in_the_bibliography():
    bib = (BOOK / "references.bib").read_text()
    keys = set(re.findall(r"@\w+\{([^,]+),", bib))
    cited = set()
    for _, _, text in markdown_texts():
        for group in re.findall(r"\{cite:[pt]\}`([^`]+)`", text):
            cited.update(k.strip() for k in group.split(","))
    assert cited, "no citation at all"
    assert cited <= keys, cited - keys
    # the five source notes are all cited somewhere
    assert {"ng-sequence-models", "rnn-embedding-note", "rnn-interview-qa", "lee-ml2021-rnn",
            "goodfellow-deep-learning"} <= cited


def test_every_chinese_term_is_in_the_zh_role():
    bare = []
    for where, _, text in markdown_texts():
        rest = re.sub(r"\{zh\}`[^`]*`", " ", text)
        rest = strip_code(rest)
        bare += [f"{where}: {m.group(0)}" for m in re.finditer(
            rf"{CJK.pattern}+", rest)]
    assert not bare, bare[:20]
    # and the role holds Chinese only (a typo such as {zh}`RNN` would mislabel English)
    for where, _, text in markdown_texts():
        for term in re.findall(r"\{zh\}`([^`]*)`", text):
            assert CJK.search(term), f"{where}: {{zh}}`{term}` has no Chinese character"


def test_chapter_mentions_are_links():
    bare = []
    for where, this, text in markdown_texts():
        rest = re.sub(r"\{doc\}`[^`]*`|\[[^\]]*\]\([^)]*\)", " ", strip_code(text))
        for line in rest.split("\n"):
            if re.match(r"\s*#", line):
                continue  # headings are not linked
            for m in re.finditer(r"\b[Cc]hapters? (\d+(?:(?:, | and | or |-|–)\d+)*)\b(?!\s+of\b)", line):
                for num in re.findall(r"\d+", m.group(1)):
                    doc = CHAPTER_NUMBERS.get(int(num))
                    if doc and doc != this:
                        bare.append(f"{where}: {m.group(0)}")
    assert not bare, bare


def png_size(b64: str) -> tuple[int, int]:
    raw = base64.b64decode(b64)
    assert raw[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", raw[16:24])


def test_every_figure_has_caption_name_alt_text_and_a_sharp_column_wide_image():
    names, problems = set(), []
    for path, cell, pngs in figure_cells():
        where = f"{path.name} cell {cell.get('id')}"
        meta = cell.metadata.get("mystnb", {})
        caption = meta.get("figure", {}).get("caption", "")
        name = meta.get("figure", {}).get("name", "")
        alt = meta.get("image", {}).get("alt", "")
        if len(caption.split()) < 8:
            problems.append(f"{where}: caption {caption!r}")
        if not name or name in names:
            problems.append(f"{where}: figure name {name!r} missing or not unique")
        names.add(name)
        if len(alt.split()) < 8 or re.search(r"\.(png|svg|jpe?g)\b|[0-9a-f]{16,}", alt):
            problems.append(f"{where}: alt text {alt!r}")
        if len(pngs) != 1:
            problems.append(f"{where}: {len(pngs)} images in one cell (one figure per cell)")
        for out in pngs:
            width, _ = png_size(out["data"]["image/png"])
            shown = out.get("metadata", {}).get("image/png", {}).get("width", width)
            # shown at most 600 CSS px wide (fits the 688 px column, scaled <= 1.6x on a phone),
            # stored at twice that resolution (sharp on high-density screens)
            if shown > 600 or width < 1.8 * shown:
                problems.append(f"{where}: image {width} px stored, {shown} px shown")
    assert not problems, "\n".join(problems)


def test_figures_yml_names_only_existing_cells():
    spec = yaml.safe_load((BOOK / "figures.yml").read_text())
    for chapter, cells in spec.items():
        nb = nbformat.read(BOOK / f"{chapter}.ipynb", as_version=4)
        ids = {c.get("id") for c in nb.cells}
        assert all(isinstance(k, str) for k in cells), f"{chapter}: quote the cell ids"
        assert set(cells) <= ids, (chapter, set(cells) - ids)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_code_lines_fit_in_88_characters(path):
    nb = nbformat.read(path, as_version=4)
    long = [(k, line) for k, cell in enumerate(nb.cells) if cell.cell_type == "code"
            for line in cell.source.splitlines() if len(line) > 88]
    assert not long, long


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_outputs_are_one_box_per_stream_and_no_line_is_very_long(path):
    nb = nbformat.read(path, as_version=4)
    for k, cell in enumerate(nb.cells):
        outs = cell.get("outputs", [])
        for a, b in zip(outs, outs[1:]):
            assert not (a["output_type"] == b["output_type"] == "stream"
                        and a["name"] == b["name"]), f"cell {k}: a stream split in two boxes"
        for out in outs:
            for line in out.get("text", "").splitlines():
                assert len(line) <= 120, f"cell {k}: printed line of {len(line)} characters"


def test_site_pass_has_nothing_left_to_do():
    """The mechanical conventions are applied (and the script is idempotent)."""
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "site_pass.py"), "--check"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "warning" not in proc.stderr, proc.stderr
