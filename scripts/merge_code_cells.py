"""Merge a branch that changed the chapters' *code* cells into one that changed their *prose*.

Git merges notebooks line by line, so two branches that edit different cells of the same
chapter still conflict in the JSON. This takes the notebook in the working tree (the prose
branch's version) and puts into it the code cells of another git ref (by cell id): their
source, outputs and metadata; code cells that exist only in the ref are inserted after the cell
that precedes them there. Markdown cells are left as they are. With `--base` (the merge base),
a code cell that only the working tree's branch changed is kept as it is, and one that *both*
branches changed is reported (the ref's version is kept: merge it by hand).

    git checkout issue-18 -- book/0*.ipynb        # e.g. start from the prose branch's chapters
    .venv/bin/python scripts/merge_code_cells.py --ref issue-17 --base main book/0*.ipynb
    make site-pass                                # citations, Chinese terms, links, captions
    make notebooks                                # re-execute, then nbval must pass

Cell ids are kept by Jupyter and nbconvert, so they identify a cell across both branches.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]


def at_ref(ref: str, path: Path):
    rel = path.resolve().relative_to(ROOT).as_posix()
    proc = subprocess.run(["git", "-C", str(ROOT), "show", f"{ref}:{rel}"], capture_output=True,
                          text=True)
    if proc.returncode != 0:
        return None
    return nbformat.reads(proc.stdout, as_version=4)


def merge(path: Path, ref: str, base: str | None) -> list[str]:
    here = nbformat.read(path, as_version=4)
    ours = at_ref(ref, path)
    if ours is None:
        return [f"{path.name}: not in {ref}, left as it is"]
    old = at_ref(base, path) if base else None
    old_code = {c.get("id"): c.source for c in (old.cells if old else []) if c.cell_type == "code"}
    ours_code = {c.get("id"): c for c in ours.cells if c.cell_type == "code"}
    notes = []
    cells = []
    for cell in here.cells:
        cid = cell.get("id")
        if cell.cell_type == "code" and cid in ours_code:
            mine = ours_code[cid]
            if old is not None and cid in old_code:
                theirs_changed = cell.source != old_code[cid]
                ours_changed = mine.source != old_code[cid]
                if theirs_changed and not ours_changed:
                    cells.append(cell)  # only this side changed it: keep (re-executed later)
                    continue
                if theirs_changed and cell.source != mine.source:
                    notes.append(f"{path.name}: cell {cid} changed on both sides; kept {ref}'s")
            cells.append(mine)
        else:
            cells.append(cell)
    present = {c.get("id") for c in cells}
    order = [c.get("id") for c in ours.cells]
    for k, cid in enumerate(order):
        if cid in present or ours.cells[k].cell_type != "code":
            continue
        prev = next((order[j] for j in range(k - 1, -1, -1) if order[j] in present), None)
        at = 0 if prev is None else [c.get("id") for c in cells].index(prev) + 1
        cells.insert(at, ours.cells[k])
        present.add(cid)
        notes.append(f"{path.name}: inserted code cell {cid} from {ref}")
    here.cells = cells
    here.metadata = ours.metadata
    nbformat.write(here, path)
    return notes


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--ref", required=True, help="the branch whose code cells win")
    ap.add_argument("--base", help="the merge base, to report cells changed on both sides")
    ap.add_argument("paths", nargs="+", type=Path)
    args = ap.parse_args(argv)
    for path in args.paths:
        for note in merge(path, args.ref, args.base):
            print(note)
    return 0


if __name__ == "__main__":
    sys.exit(main())
