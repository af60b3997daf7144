"""The book's text-wide conventions, applied mechanically (idempotent: run it again at any time).

    .venv/bin/python scripts/site_pass.py          # rewrite book/*.ipynb and book/*.md in place
    .venv/bin/python scripts/site_pass.py --check  # exit 1 and list what would change

What it does (tests/test_conventions.py checks that the result holds):

1. **Sources by name.** "note 000" ... "note 004" (and "seed note 003", "notes 000 and 004",
   "note 002's") become the source's name with a bibliography citation, ``{cite:p}`key` ``
   (book/references.bib, listed on book/bibliography.md), at the first mention in each cell.
2. **Chinese terms.** Every run of CJK characters in the text (not in code or maths) is wrapped
   in the ``{zh}`...` `` role of book/_ext/rnncourse_site.py, which emits ``lang="zh-Hans"``.
3. **Chapter links.** "chapter 4", "Chapter 4's", "chapters 4 and 5" become ``{doc}`` links
   to the chapters that exist (not in headings, not a chapter's mention of itself, not
   "chapter 10 of Goodfellow").
4. **Exercise section.** ``{download}`` links to ``exercises/`` become the ``{exercise}`` role
   (served as ``NN-slug-exercise.ipynb``) plus the ``{wheel}`` and the Setup page.
5. **Figures.** Captions, alt text, names and ``hide-input`` tags of the figure cells come from
   book/figures.yml (keyed by cell id), written into each cell's ``mystnb`` metadata.
6. **Output streams.** Consecutive stdout (or stderr) outputs of a cell are merged into one box.
7. **Figure layout in the prose.** Figures are one column wide (panels stacked): the few
   sentences that said "left"/"right" are rewritten (FIGURE_PROSE; a warning if not found).

`make notebooks` runs this script after executing the chapters, so (6) holds for fresh outputs.
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"

# -- 1. sources ---------------------------------------------------------------------------
# number -> (bibliography key, name, possessive, surname that makes a following "(...)" redundant)
SOURCES = {
    "000": ("ng-sequence-models", "Ng's course", "Ng's", "Ng"),
    "001": ("rnn-embedding-note", "the embedding note", "the embedding note's", None),
    "002": ("rnn-interview-qa", "the interview Q&A", "the interview Q&A's", None),
    "003": ("lee-ml2021-rnn", "Lee's lecture", "Lee's", "Lee"),
    "004": ("goodfellow-deep-learning", "the *Deep Learning* book",
            "the *Deep Learning* book's", "Goodfellow"),
}
NUM = r"00[0-4]"
# "(note 003)" / "(seed 003)" / "(seed note 004)": the citation replaces the parenthesis
PAREN = re.compile(rf"\((?:seed )?(?:note )?({NUM})\)")
# "notes 000 and 004", "notes 000, 003 and 004", "seed notes 002 and 004"
PLURAL = re.compile(rf"\b(?:[Tt]he )?(?:[Ss]eed )?([Nn])otes ({NUM}(?:(?:, | and | or ){NUM})*)\b")
# "note 000's", "Seed note 003", "the seed note 000", "seed 003", "note 004 (Goodfellow)"
SINGLE = re.compile(rf"\b(?:([Tt])he )?(?:([Ss])eed (?:[Nn]ote )?|([Nn])ote )({NUM})('s)?"
                    rf"(?: \(([^()]*)\))?")
HEADING = re.compile(r"^\s*#{1,6} ")


def _cap(text: str, upper: bool) -> str:
    return text[0].upper() + text[1:] if upper else text


def convert_sources(text: str, cited: set[str]) -> str:
    """Rewrite the file-number citations of a piece of one cell (`cited`: keys cited so far)."""
    out_lines = []
    for line in text.split("\n"):
        heading = bool(HEADING.match(line))

        def cite(keys: list[str]) -> str:
            new = [k for k in keys if k not in cited]
            if heading or not new:
                return ""
            cited.update(new)
            return " {cite:p}`" + ",".join(new) + "`"

        def paren(m):
            key = SOURCES[m.group(1)][0]
            c = cite([key])
            return c.strip() if c else "(" + SOURCES[m.group(1)][1] + ")"

        def plural(m):
            nums = re.findall(NUM, m.group(2))
            names = [SOURCES[n][1] for n in nums]
            phrase = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
            upper = m.group(0)[0].isupper()
            return _cap(phrase, upper) + cite([SOURCES[n][0] for n in nums])

        def single(m):
            the, seed, note, num, poss, par = m.groups()
            key, name, possessive, surname = SOURCES[num]
            upper = bool((the and the.isupper()) or (not the and seed and seed.isupper())
                         or (not the and not seed and note and note.isupper()))
            phrase = _cap(possessive if poss else name, upper)
            tail = ""
            if par is not None:
                # "note 000 (Andrew Ng's course)" names the source twice once converted
                if surname and surname in par:
                    par = None
                else:
                    tail = f" ({par})"
            return phrase + cite([key]) + tail

        line = PAREN.sub(paren, line)
        line = PLURAL.sub(plural, line)
        line = SINGLE.sub(single, line)
        out_lines.append(line)
    return "\n".join(out_lines)


def convert_source_tables(text: str) -> str:
    """appendix-notation: table rows labelled '| 000 (Ng) |' and a header '| note |'."""
    text = re.sub(r"^\| note \|", "| source |", text, flags=re.M)

    def row(m):
        key, name = SOURCES[m.group(1)][:2]
        return f"| {_cap(name, True)} {{cite:p}}`{key}` |"

    return re.sub(rf"^\| ({NUM})(?: \([^()|]*\))? \|", row, text, flags=re.M)


# -- protected spans: code, maths, roles, links (admonition fences hold text: not protected)
PROTECT = re.compile(
    r"(```(?!\{(?:note|warning|tip|important|caution|admonition|seealso|hint|attention|danger|error|margin|sidebar|dropdown|topic|epigraph|div)\b).*?```|~~~.*?~~~|```[^\n]*|\$\$.*?\$\$|\\\[.*?\\\]|\{[a-z:-]+\}`[^`]*`|``[^`]*``|`[^`]*`"
    r"|(?<!\\)\$[^$\n]+\$|\]\([^)]*\)|<[^>\n]+>|\\begin\{.*?\\end\{[a-z*]+\})",
    re.S)


def map_unprotected(text: str, fn) -> str:
    parts = PROTECT.split(text)
    return "".join(p if i % 2 else fn(p) for i, p in enumerate(parts))


# -- 2. Chinese ----------------------------------------------------------------------------
CJK = "\u2e80-\u2fdf\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
CJK_RUN = re.compile(rf"[{CJK}](?:[{CJK}·\- ]*[{CJK}])?")  # "编码器-解码器" is one term


def mark_chinese(text: str) -> str:
    return map_unprotected(text, lambda s: CJK_RUN.sub(lambda m: "{zh}`" + m.group(0) + "`", s))


# -- 3. chapter links ----------------------------------------------------------------------
def chapter_docs() -> dict[int, str]:
    return {int(p.name[:2]): p.stem for p in BOOK.glob("[0-9][0-9]-*.ipynb")}


def link_chapters(text: str, this: str | None) -> str:
    docs = chapter_docs()

    def link(num: str, label: str) -> str:
        doc = docs.get(int(num))
        if doc is None or doc == this:
            return label
        return "{doc}`" + label + " <" + doc + ">`"

    def one(m):
        word, num = m.group(1), m.group(2)
        return link(num, f"{word} {num}")

    def many(m):
        word, nums = m.group(1), m.group(2)
        return word + " " + re.sub(r"\d+", lambda n: link(n.group(0), n.group(0)), nums)

    def fn(seg: str) -> str:
        lines = []
        for line in seg.split("\n"):
            if not HEADING.match(line):
                line = re.sub(r"\b([Cc]hapters) (\d+(?:(?:, | and | or |–|-)\d+)+)\b", many, line)
                line = re.sub(r"\b([Cc]hapter) (\d+)\b(?!\s+of\b)", one, line)
            lines.append(line)
        return "\n".join(lines)

    return map_unprotected(text, fn)


# -- 4. exercise section -------------------------------------------------------------------
DOWNLOAD = re.compile(
    r"Download the graded exercise notebook \{download\}`[^`<]*<\.\./exercises/([0-9a-z-]+)/\1\.ipynb>`"
    r" and open it in Jupyter\.")


def exercise_links(text: str) -> str:
    return DOWNLOAD.sub(
        lambda m: ("Download the graded exercise notebook {exercise}`" + m.group(1) + "` and the "
                   "course package {wheel}`rnncourse`; {doc}`setup` says how to open the exercise "
                   "on your computer, in Colab or on a JupyterHub."), text)


# -- 7. prose that describes a figure's layout (the figures are one column wide) ----------
# (chapter, old, new): exact replacements; a warning when neither is found (the text changed).
FIGURE_PROSE = [
    ("04-recurrent-network", "On the left is the *folded* circuit diagram",
     "At the top is the *folded* circuit diagram"),
    ("04-recurrent-network", "On the right is the *unfolded* graph", "Below it is the *unfolded* graph"),
    ("04-recurrent-network", "The figure shows the two wirings side by side.",
     "The figure shows the two wirings, one above the other."),
    ("05-bptt", "For $y = 0$ (left)", "For $y = 0$ (top)"),
    ("05-bptt", "With the identity activation (left)", "With the identity activation (top)"),
    ("05-bptt", "With tanh (right)", "With tanh (bottom)"),
    ("05-bptt", "the curve is the same as on the left", "the curve is the same as in the top panel"),
    ("05-bptt", "On the slice (right)", "On the slice (bottom)"),
    ("05-bptt", "the sharp edge on the left panel", "the sharp edge in the top panel"),
]


def figure_prose(text: str, this: str | None, seen: set) -> str:
    for chapter, old, new in FIGURE_PROSE:
        if chapter == this:
            if old in text:
                text = text.replace(old, new)
            if new in text:
                seen.add(old)
    return text


def convert_markdown(text: str, this: str | None) -> str:
    text = convert_source_tables(text)
    cited: set[str] = set()  # cite each source once per cell (or page)
    text = map_unprotected(text, lambda seg: convert_sources(seg, cited))
    text = exercise_links(text)
    text = link_chapters(text, this)
    text = mark_chinese(text)
    return text


# -- 5. figures and 6. streams -------------------------------------------------------------
def load_figures() -> dict:
    path = BOOK / "figures.yml"
    spec = yaml.safe_load(path.read_text()) if path.exists() else {}
    # cell ids are strings; an unquoted all-digit id would come back as an int
    return {ch: {str(k): v for k, v in (cells or {}).items()} for ch, cells in spec.items()}


def apply_figure(cell, spec: dict) -> None:
    meta = cell.metadata
    mystnb = dict(meta.get("mystnb", {}))
    mystnb["figure"] = {"caption": spec["caption"].strip(), "name": spec["name"]}
    mystnb["image"] = {"alt": " ".join(spec["alt"].split())}
    meta["mystnb"] = mystnb
    tags = [t for t in meta.get("tags", []) if t != "hide-input"]
    if spec.get("hide_input", True):  # drawing code is folded unless it is the lesson
        tags.append("hide-input")
    if tags:
        meta["tags"] = tags
    else:
        meta.pop("tags", None)


def merge_streams(cell) -> None:
    merged = []
    for out in cell.get("outputs", []):
        if (merged and out.output_type == "stream" and merged[-1].output_type == "stream"
                and merged[-1].name == out.name):
            merged[-1].text += out.text
        else:
            merged.append(out)
    cell.outputs = merged


def process_notebook(path: Path, figures: dict) -> str:
    nb = nbformat.read(path, as_version=4)
    specs = figures.get(path.stem, {}) or {}
    seen: set = set()
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = figure_prose(convert_markdown(cell.source, path.stem), path.stem, seen)
        elif cell.cell_type == "code":
            merge_streams(cell)
            if cell.get("id") in specs:
                apply_figure(cell, specs[cell.id])
    for chapter, old, new in FIGURE_PROSE:
        if chapter == path.stem and old not in seen:
            print(f"warning: {path.name}: neither {old!r} nor {new!r} found: check the text that "
                  "describes the figure's layout", file=sys.stderr)
    return nbformat.writes(nb) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true", help="change nothing; exit 1 if a file would change")
    ap.add_argument("paths", nargs="*", type=Path, help="files (default: book/*.ipynb and book/*.md)")
    args = ap.parse_args(argv)
    paths = [p.resolve() for p in args.paths]
    paths = paths or sorted(BOOK.glob("*.ipynb")) + sorted(BOOK.glob("*.md"))
    figures = load_figures()
    changed = []
    for path in paths:
        old = path.read_text(encoding="utf-8")
        if path.suffix == ".ipynb":
            new = process_notebook(path, figures)
        else:
            new = convert_markdown(old, None)
        if new != old:
            changed.append(path)
            if not args.check:
                path.write_text(new, encoding="utf-8")
    for path in changed:
        print(("would change " if args.check else "changed ") + str(path.relative_to(ROOT)))
    return 1 if (args.check and changed) else 0


if __name__ == "__main__":
    sys.exit(main())
