"""The site's search index: one entry per clause with a short title, cut into words by jieba, in both scripts, with
the glossary's everyday words; one index file per language (docs/developers/search.md says why).

jieba's dictionary is Simplified; its Traditional forms are derived with OpenCC once and cached (never committed).
Each entry gains a hidden `words` field: jieba's search-mode sub-words of its Chinese (報銷 inside 費用報銷), their
forms in the other script, the titles of the sections it is in, and the `search` words of the glossary terms it uses
(上班 for a clause about 工作時間), so that a query's every word can be required.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path

import opencc
from markupsafe import escape

from generator import model as m
from generator.pdf_cache import write_atomically
from generator.scripts import forms

try:
    import jieba
except ImportError:  # the search plugin then indexes without segmentation, and so do we
    jieba = None

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
TAG = re.compile(r"<[^>]+>")
CUT = "\u200b"  # what mkdocs-material joins jieba's words with; the search separator must contain it
WORDS_FIELD = "words"


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
        for line, word in zip(lines, converted, strict=True):  # OpenCC keeps the lines
            if word not in entries:
                entries[word] = word + " " + line.split(" ", 1)[1]
    write_atomically(target, ("\n".join(entries.values()) + "\n").encode("utf-8"))
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
        write_atomically(target, text.encode("utf-8"))
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
    return [run[i : i + MAX_RUN] for i in range(0, len(run), MAX_RUN)]


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

    The index holds no one-character Chinese token: one character (報 of 報財務部門) matches far too much, and the
    search worker cuts a query into words of two characters or more. The words themselves are findable through the
    `words` field.
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


def augment(index: dict) -> dict:
    """Rework mkdocs-material's index of the hand-written pages: Chinese cut without one-character tokens, and a
    `words` field with every entry's words in both scripts. (Its titles are HTML, escaped by mkdocs already.)"""
    for doc in index.get("docs", []):
        doc["title"] = segment(doc.get("title", ""))
        doc["text"] = segment(doc.get("text", ""))
        words = search_words(doc["title"] + " " + doc["text"])
        if words:
            doc[WORDS_FIELD] = CUT.join(words)
    return index


@dataclass(frozen=True)
class Entry:
    """One clause as a search result shows it and the index holds it, in one reading language."""

    page: str  # site path of its policy page
    anchor: str
    lang: str
    title: str  # short: its own title, or the title of the section it is in, with its number
    text: str  # its own words, plain
    context: str  # the titles of the sections it is in (searched, not shown)
    chinese: str  # its title and text as written in Chinese, for the glossary's search words
    script: str


def location(entry: Entry) -> str:
    """Each clause is its own result: Material groups results by the address before `#` and folds all but the best
    of a page ("27 more on this page"), so a clause's address names it in the query; the page's script turns it
    into `#anchor` in the result links."""
    return f"{entry.page}?clause={entry.anchor}"


def glossary_words(handbook: m.Handbook) -> list[tuple[set[str], list[str], list[str]]]:
    """(the term in both scripts, longer words it is not part of, the words it is searched by) of every glossary
    term that has `search` words."""
    out = []
    for term in handbook.terms:
        if term.search:
            words = [term.zh, term.en, *term.accept, *term.search]
            out.append((forms(term.zh), [form for x in term.exclude for form in forms(x)], words))
    return out


def _uses(chinese: str, term: str, exclude: list[str]) -> bool:
    return chinese.count(term) > sum(chinese.count(word) * word.count(term) for word in exclude)


def entry_document(entry: Entry, glossary: list[tuple[set[str], list[str], list[str]]]) -> dict:
    extra = [entry.context]
    for terms, exclude, words in glossary:
        if any(_uses(entry.chinese, term, exclude) for term in terms):
            extra += words
    text = segment(entry.text)
    words = search_words(entry.title + " " + entry.text + " " + " ".join(extra))
    # The glossary's words whole as well as cut (jieba may cut 年假 into single characters, which are not indexed).
    words += [form for w in extra if HAN.fullmatch(w) for form in sorted(forms(w)) if form not in words]
    english = " ".join(w for w in extra if not HAN.search(w))
    # The search box shows titles as HTML: a clause title is plain text.
    doc = {"location": location(entry), "title": str(escape(segment(entry.title))), "text": text}
    field = CUT.join(words + ([english] if english else []))
    if field:
        doc[WORDS_FIELD] = field
    return doc


def language_indexes(
    index: dict, entries: list[Entry], replaced: set[str], language_of, glossary, ignore: dict[str, list[str]]
) -> dict[str, dict]:
    """One index per language: its clauses, and its hand-written pages as mkdocs indexed them (pages in replaced,
    the policy pages, are indexed by their clauses instead). ignore holds each language's question words."""
    out: dict[str, dict] = {lang: {"docs": [], "ignore": words} for lang, words in ignore.items()}
    for doc in augment(index).get("docs", []):
        if doc.get("location", "").split("#")[0] in replaced:
            continue
        lang = language_of(doc.get("location", ""))
        if lang in out:
            out[lang]["docs"].append(doc)
    made = documents(glossary)
    for entry in entries:
        if entry not in made:
            made[entry] = entry_document(entry, glossary)
        out[entry.lang]["docs"].append(dict(made[entry]))
    return out


_made: dict[str, dict[Entry, dict]] = {}


def documents(glossary) -> dict[Entry, dict]:
    """The documents already made for entries with this glossary: the live preview cuts only the clauses a save
    changed (cutting every clause's words took seconds a rebuild), and a build adds the last build's to them
    (generator/site/page_cache.py). One glossary's are kept."""
    # jieba's dictionaries cut the words too: a changed user dictionary changes its word count and total (counted
    # once loaded, so that the key is the same before a build's first cut and after).
    if jieba is not None:
        jieba.dt.check_initialized()
    cutter = [getattr(jieba.dt, "total", None), len(getattr(jieba.dt, "FREQ", {}))] if jieba is not None else []
    key = json.dumps([[sorted(t), x, w] for t, x, w in glossary] + cutter, ensure_ascii=False)
    if key not in _made:
        _made.clear()
        _made[key] = {}
    return _made[key]
