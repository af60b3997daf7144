"""Key terms: every glossary term carries its Chinese term at its first use in the book, and every bold
term of a chapter is in the glossary (bold marks a key term; emphasis is italic)."""
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
CJK = re.compile(r"[\u4e00-\u9fff]")
# not prose: code blocks and spans, maths, link targets, headings, HTML, block quotes, quotations
_MASKS = [(r"```.*?```", re.S), (r"`[^`\n]*`", 0), (r"\$\$.*?\$\$", re.S), (r"\$[^$\n]*\$", 0),
          (r"\]\([^)\n]*\)", 0), (r"^#.*$", re.M), (r"<[^>\n]+>", 0), (r"^>.*$", re.M), (r'"[^"\n]*"', 0),
          (r"“[^”\n]*”", 0)]


def _unzh(s):
    """The text without the {zh} role markup (scripts/site_pass.py wraps every Chinese run)."""
    return re.sub(r"\{zh\}`([^`]*)`", r"\1", s)


def _glossary():
    text = _unzh((BOOK / "appendix-glossary.md").read_text())
    rows = re.findall(r"^\| ([^|]+?) \| ([^|]+?) \|", text, flags=re.M)
    return [(en.strip(), zh.strip()) for en, zh in rows if en.strip() not in ("English", "---")]


def _cells():
    out = []
    for f in sorted(BOOK.glob("[0-9]*.ipynb")):
        for c in json.loads(f.read_text())["cells"]:
            if c["cell_type"] == "markdown":
                out.append((f.name, _unzh("".join(c["source"]))))
    return out


def _prose(s):
    mask = [True] * len(s)
    for pat, flags in _MASKS:
        for m in re.finditer(pat, s, flags=flags):
            mask[m.start():m.end()] = [False] * (m.end() - m.start())
    return mask


def _first_use(term, longer, cells):
    for name, s in cells:
        mask = _prose(s)
        for m in re.finditer(r"(?<![A-Za-z\-])" + re.escape(term) + r"s?(?![A-Za-z\-])", s, flags=re.I):
            if all(mask[m.start():m.end()]) and not any(s[m.start():m.start() + len(t)].lower() == t.lower()
                                                        for t in longer):
                a = max(s.rfind(". ", 0, m.start()), s.rfind("\n", 0, m.start()), 0)
                ends = [x for x in (s.find(". ", m.end()), s.find("\n", m.end())) if x >= 0]
                return name, s[a:min(ends) + 1 if ends else len(s)]
    return None


def test_chinese_term_at_first_use():
    terms, cells = _glossary(), _cells()
    missing = []
    for en, zh in terms:
        base = re.sub(r"\s*\(.*?\)", "", en).strip()
        abbr = re.search(r"\((.*?)\)", en)
        longer = [t for t, _ in terms if t.lower().startswith(base.lower() + " ")]
        hits = [h for h in [_first_use(base, longer, cells)] +
                ([_first_use(abbr.group(1), [], cells)] if abbr and abbr.group(1) != "index" else []) if h]
        if not hits:
            continue
        name, sentence = hits[0]
        zh_main = re.split(r"[/;；(]", zh)[0].strip()
        if zh_main not in sentence:
            missing.append(f"{en} ({zh_main}), first used in {name}: {sentence.strip()[:120]}")
    assert not missing, "\n".join(missing)


def test_bold_terms_are_in_the_glossary():
    def norm(t):
        t = re.sub(r"\s*\(.*?\)", "", t).strip().lower()
        return t[:-1] if t.endswith("s") and not t.endswith("ss") else t
    known = set()
    for en, _ in _glossary():
        known |= {norm(en), en.lower()}
        abbr = re.search(r"\((.*?)\)", en)
        if abbr:
            known.add(abbr.group(1).lower())
    unknown = set()
    for name, s in _cells():
        for m in re.finditer(r"\*\*([^*\n]+?)\*\*", s):
            b = m.group(1).strip()
            if CJK.search(b) or b.endswith((".", ":")) or len(b) > 45:
                continue  # a Chinese gloss, or a bold run-in heading such as "**Learning goals.**"
            if norm(b) not in known and b.lower() not in known:
                unknown.add(f"{name}: {b}")
    assert not unknown, sorted(unknown)
