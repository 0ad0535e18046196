"""Chinese search for the site: jieba dictionaries that cut both scripts, and index entries findable in either script.

jieba's dictionary is Simplified; its Traditional forms are derived with OpenCC once and cached (never committed).
Each index entry gains a hidden `words` field: jieba's search-mode sub-words of its Chinese (報銷 inside 費用報銷)
and their forms in the other script, so that 報銷 and 报销 find the same clauses.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from pathlib import Path

import opencc
from markupsafe import escape

from generator import model as m
from generator.scripts import forms

try:
    import jieba
except ImportError:  # the search plugin then indexes without segmentation, and so do we
    jieba = None

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
TAG = re.compile(r"<[^>]+>")
CUT = "\u200b"  # what mkdocs-material joins jieba's words with; the search separator must contain it
WORDS_FIELD = "words"


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(path)


def dictionary(cache: Path) -> Path | None:
    """jieba's own dictionary plus every entry's Traditional forms (OpenCC s2t and s2tw); built once, then cached."""
    if jieba is None:
        return None
    target = cache / f"jieba-{jieba.__version__}-opencc-{opencc.__version__}.dict.txt"
    if target.exists():
        return target
    source = Path(jieba.__file__).parent / "dict.txt"
    lines = source.read_text(encoding="utf-8").splitlines()
    entries = {line.split(" ", 1)[0]: line for line in lines if line}
    words = "\n".join(line.split(" ", 1)[0] for line in lines)
    # One call per table over the whole word list: OpenCC is fast on one long text, slow on half a million calls.
    for config in ("s2t.json", "s2tw.json"):
        converted = opencc.OpenCC(config).convert(words).split("\n")
        for line, word in zip(lines, converted):
            if word not in entries:
                entries[word] = word + " " + line.split(" ", 1)[1]
    _write_atomically(target, "\n".join(entries.values()) + "\n")
    return target


def user_words(handbook: m.Handbook) -> list[str]:
    """The handbook's own vocabulary, in both scripts: glossary terms and the names of roles."""
    words: set[str] = set()
    named = [t.zh for t in handbook.terms] + [r.name.zh for r in handbook.roles.values()]
    for text in named:
        for word in HAN.findall(text):
            words |= forms(word)
    return sorted(words)


def user_dictionary(handbook: m.Handbook, cache: Path) -> Path | None:
    """A jieba user dictionary of the handbook's words, named by its content so a changed glossary gives a new file."""
    if jieba is None:
        return None
    text = "".join(f"{word}\n" for word in user_words(handbook))
    target = cache / f"jieba-user-{hashlib.sha256(text.encode()).hexdigest()[:16]}.txt"
    if not target.exists():
        _write_atomically(target, text)
    return target


def prepare_jieba(cache: Path) -> None:
    """Keep jieba's parsed-dictionary cache with ours and its progress messages out of the build log."""
    if jieba is not None:
        jieba.setLogLevel(logging.WARNING)
        cache.mkdir(parents=True, exist_ok=True)
        jieba.dt.tmp_dir = str(cache)


# The corpus's longest run of Chinese without punctuation is under 40 characters. jieba's time grows with the square
# of a run's length on repeated characters (50,000 of one took a minute), so longer runs are cut in pieces first.
MAX_RUN = 200


def pieces(run: str) -> list[str]:
    return [run[i:i + MAX_RUN] for i in range(0, len(run), MAX_RUN)]


# Han characters as the search plugin counts them (its runs are \p{script=Han}), beyond HAN's common blocks.
LONG_RUN = re.compile(
    "[\u2e80-\u2fdf\u3005\u3007\u3021-\u3029\u3038-\u303b\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
    f"\U00020000-\U0003ffff]{{{MAX_RUN + 1},}}"
)


def break_long_runs(html: str) -> str:
    """A page's runs of Chinese longer than MAX_RUN with a zero-width space after every MAX_RUN characters: the search
    plugin hands each run to jieba whole. Real text has no such run; augment() cuts the index's copy the same way."""
    return LONG_RUN.sub(lambda run: CUT.join(pieces(run.group(0))), html)


def words_of(run: str) -> list[str]:
    """jieba's words for a run of Chinese, with one-character words glued to a neighbour.

    mkdocs-material's search box cuts a Chinese query by the tokens the index holds, and stops at the first one it
    finds: were 報 a token (報財務部門 → 報|財務部門), 報銷 would be searched as 報*. So the index holds no
    one-character Chinese token; the words themselves are findable through the `words` field.
    """
    merged: list[str] = []
    for word in (w for piece in pieces(run) for w in jieba.cut(piece)) if jieba is not None else [run]:
        if len(word) == 1 and merged:
            merged[-1] += word
        elif merged and len(merged[-1]) == 1:
            merged[-1] += word
        else:
            merged.append(word)
    return merged


def segment(text: str) -> str:
    """Text with its Chinese cut into words joined by U+200B (what mkdocs-material's search plugin does, without
    one-character words)."""
    plain = text.replace(CUT, "")
    return HAN.sub(lambda run: CUT + CUT.join(words_of(run.group(0))) + CUT, plain).strip(CUT)


def search_words(text: str) -> list[str]:
    """The words and sub-words of the Chinese in text, in both scripts, for the hidden `words` field."""
    plain = TAG.sub(" ", text.replace(CUT, ""))
    found: dict[str, None] = {}
    for run in HAN.findall(plain):
        words = (w for part in pieces(run) for w in jieba.cut_for_search(part)) if jieba is not None else [run]
        for piece in words:
            if len(piece) > 1:
                for form in sorted(forms(piece)):  # a set: sorted, so two builds write one index
                    found.setdefault(form)
    return list(found)


def augment(index: dict, titles: dict[str, str]) -> dict:
    """Rework a mkdocs-material search index: Chinese cut without one-character tokens, a `words` field with every
    entry's words in both scripts, and the titles named in titles (location "policies/x/#clause-id" → title)."""
    for doc in index.get("docs", []):
        title = titles.get(doc.get("location", ""))
        # The search box shows titles as HTML; mkdocs' own are escaped already, a clause title is plain text.
        doc["title"] = str(escape(segment(title))) if title else segment(doc.get("title", ""))
        doc["text"] = segment(doc.get("text", ""))
        words = search_words((title or doc["title"]) + " " + doc["text"])
        if words:
            doc[WORDS_FIELD] = CUT.join(words)
    return index
