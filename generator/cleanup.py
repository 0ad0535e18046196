"""Cleans a scraped regulation: strips site noise and pinyin annotations, evens out punctuation and script.

The importer and the corpus fidelity test both use these functions, so "the source's text" means one thing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from generator.scripts import convert

CJK = "\u3400-\u4dbf\u4e00-\u9fff"
TONED = "a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü"

# A syllable of pinyin in parentheses: 規(guī) → 規. After a Chinese character any syllable counts; elsewhere (inside
# garbled spans) only one with a tone mark, so an English "(a)" survives. Real parentheses hold Chinese.
PINYIN = re.compile(rf"(?<=[{CJK}])\([{TONED}]{{1,6}}\)|\([a-z]{{0,5}}[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ][a-z]{{0,5}}\)")

# Lines the source site adds around a document. Matched on whole, stripped lines.
NOISE_LINES = [
    re.compile(r".*_第\d+[頁页]$"),  # page list
    re.compile(r"^已[閱阅]讀?.*[頁页].*未[讀读].*$"),  # "read 5 pages, 3 left"
    re.compile(r"^(付費下載|付费下载|下載本文檔|下载本文档|文檔簡介|文档简介|最新文檔|最新文档|評論|评论|提交評論|提交评论|\d+/\d+)$"),
    re.compile(r"^(版權說明|版权说明)[:：].*$"),
    re.compile(r"^(回复|回覆|共\d+条回复.*|已被采纳为最佳回答|\d+[年月天]前\s*\d+条评论|站长微信|分享本页|返回顶部)$"),
]
FOOTER = re.compile(r"^(溫馨提示|温馨提示)$")
PAGE_MARKER = re.compile(r"^PAGE(?=\S)")

# Mojibake: a "?" glued to a Chinese character (a real question mark in Chinese text is full-width), or a private-use
# character, up to the next punctuation. A "?" right before a chapter number (一、) is a stray title mark, not mojibake.
# The importer cannot repair these; a person must.
GARBLED = re.compile(rf"(?<=[{CJK}])\?+(?![一二三四五六七八九十]+、)[^，。；、：,.:\s]*|[\ue000-\uf8ff][^，。；、：,.:\s]*")
BLANK = re.compile(r"\[([^\[\]\n]{1,60})\]")
ENDS_SENTENCE = re.compile(r"[。！？!?」』）)]$")

HALF_TO_FULL = {",": "，", ";": "；", "!": "！"}


@dataclass
class CleanText:
    """The result of cleaning: text plus what was removed or found, for the import report."""

    text: str
    script: str
    noise_lines: list[str] = field(default_factory=list)
    pinyin_removed: int = 0
    garbled: list[tuple[int, str]] = field(default_factory=list)  # (offset in cleaned text, span)
    blanks: list[str] = field(default_factory=list)
    truncated: bool = False


def strip_noise(raw: str) -> tuple[list[str], list[str]]:
    """(kept lines, removed lines). Everything from the site footer (溫馨提示) on is removed."""
    kept, removed = [], []
    lines = raw.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for i, line in enumerate(lines):
        stripped = line.strip()
        bare = stripped.lstrip("•·● ").strip()
        if FOOTER.match(stripped):
            removed += [l for l in lines[i:] if l.strip()]
            break
        if any(rx.match(bare) for rx in NOISE_LINES):
            removed.append(stripped)
            continue
        kept.append(PAGE_MARKER.sub("", stripped))
    while kept and not kept[-1]:
        kept.pop()
    while kept and not kept[0]:
        kept.pop(0)
    return kept, removed


def remove_pinyin(text: str) -> tuple[str, int]:
    return PINYIN.subn("", text)


def normalise_punctuation(text: str) -> str:
    """Full-width punctuation in Chinese text; half-width kept inside numbers (9:00, 1,000) and English."""
    def full(m: re.Match) -> str:
        return HALF_TO_FULL[m.group(0)]

    text = re.sub(r"(?<![0-9A-Za-z])[,;!]|[,;!](?![0-9A-Za-z ])", full, text)
    text = re.sub(rf"(?<=[{CJK}）])[ \t]*:[ \t]*|:(?=[{CJK}（])", "：", text)
    text = re.sub(rf"\(([^()\n]*[{CJK}][^()\n]*)\)", r"（\1）", text)
    text = re.sub(rf"(?<=[{CJK}])\?(?![?{CJK}])", "？", text)
    return text


def detect_script(text: str) -> str:
    """zh-Hans or zh-Hant, by which conversion changes fewer characters."""
    to_hant = sum(a != b for a, b in zip(text, convert(text, "zh-Hans", "zh-Hant")))
    to_hans = sum(a != b for a, b in zip(text, convert(text, "zh-Hant", "zh-Hans")))
    return "zh-Hant" if to_hant < to_hans else "zh-Hans"


# Simplified leftovers that OpenCC cannot see in Traditional text: the Simplified form is itself a Traditional
# character (系, 復, 沖), so only the word shows it should be 係, 複/覆, 衝. Add words here as sources show them.
LEFTOVER_WORDS = {
    "zh-Hant": {"關系": "關係", "重復": "重複", "答復": "答覆", "回復": "回覆", "復試": "複試", "沖突": "衝突"},
    "zh-Hans": {},
}


def to_script(text: str, script: str) -> str:
    """Make a text consistently one script: leftovers of the other script (范 in Traditional text) are converted.

    Converting from the other script leaves characters already in the target script as they are, so it is safe
    on mixed text.
    """
    return fix_leftover_words(convert(text, "zh-Hans" if script == "zh-Hant" else "zh-Hant", script), script)


def fix_leftover_words(text: str, script: str) -> str:
    for word, fixed in LEFTOVER_WORDS[script].items():
        text = text.replace(word, fixed)
    return text


def _outside_garbled(text: str, fix) -> str:
    """Apply fix to everything but the garbled spans, which stay exactly as the source showed them."""
    out, last = [], 0
    for m in GARBLED.finditer(text):
        out += [fix(text[last:m.start()]), m.group(0)]
        last = m.end()
    return "".join(out + [fix(text[last:])])


def clean(raw: str, script: str | None = None) -> CleanText:
    """The whole clean-up of a raw scraped document, in order."""
    raw, pinyin = remove_pinyin(raw)
    lines, removed = strip_noise(raw)
    text = "\n".join(lines)
    script = script or detect_script(text)
    text = _outside_garbled(text, lambda part: normalise_punctuation(to_script(part, script)))
    # Whole words are never mojibake, so they are fixed even where a garbled run reaches into them (意的答復).
    text = fix_leftover_words(text, script)
    result = CleanText(text=text, script=script, noise_lines=removed, pinyin_removed=pinyin)
    result.garbled = [(m.start(), m.group(0)) for m in GARBLED.finditer(text)]
    result.blanks = BLANK.findall(text)
    result.truncated = not ENDS_SENTENCE.search(text.rstrip())
    return result
