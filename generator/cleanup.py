"""Cleans a scraped regulation: strips site noise, boilerplate and pinyin, joins hard wraps, evens out punctuation and
script (recording every character changed), marks blanks and finds a closing signature.

The importer and the corpus fidelity test both use these functions, so "the source's text" means one thing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from generator import import_patterns as patterns
from generator.scripts import convert

CJK = patterns.CJK
TONED = "a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü"

# A syllable of pinyin in parentheses: 規(guī) → 規. After a Chinese character any syllable counts; elsewhere (inside
# garbled spans) only one with a tone mark, so an English "(a)" survives. Real parentheses hold Chinese.
PINYIN = re.compile(rf"(?<=[{CJK}])\([{TONED}]{{1,6}}\)|\([a-z]{{0,5}}[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ][a-z]{{0,5}}\)")

# Lines the source site adds around a document. Matched on whole, stripped lines.
NOISE_LINES = [
    re.compile(r".*_第\d+[頁页]$"),  # page list
    re.compile(r"^已[閱阅]讀?.*[頁页].*未[讀读].*$"),  # "read 5 pages, 3 left"
    re.compile(
        r"^(付費下載|付费下载|下載本文檔|下载本文档|文檔簡介|文档简介|最新文檔|最新文档|評論|评论|提交評論|提交评论|\d+/\d+)$"
    ),
    re.compile(r"^(版權說明|版权说明)[:：].*$"),
    re.compile(r"^(回复|回覆|共\d+条回复.*|已被采纳为最佳回答|\d+[年月天]前\s*\d+条评论|站长微信|分享本页|返回顶部)$"),
] + [rx for _, rx in patterns.BOILERPLATE_LINES]
FOOTER = re.compile(r"^(溫馨提示|温馨提示)$")
PAGE_MARKER = re.compile(r"^PAGE(?=\S)")

# Mojibake: a "?" glued to a Chinese character (a real question mark in Chinese text is full-width), or a private-use
# character, up to the next punctuation. A "?" right before a chapter number (一、) is a stray title mark, not mojibake.
# The importer cannot repair these; a person must.
# A "?" after a question particle (嗎?下面) is a question mark, not mojibake.
GARBLED = re.compile(
    rf"(?<=[{CJK}])(?<![嗎吗呢麼么嘛])\?+(?![一二三四五六七八九十]+、)[^，。；、：,.:\s]*|[\ue000-\uf8ff][^，。；、：,.:\s]*"
)
# [X] is a blank; a bracketed number ([2008] in 劳社部发[2008]3号) is part of a document number.
BLANK = re.compile(r"\[(?!\d+\])([^\[\]\n]{1,60})\]")
BLANK_MARK = "[＿＿]"  # how a blank written as underscores or spaces reads once found; becomes a parameter
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
    removed: list[tuple[int, str, str]] = field(default_factory=list)  # (source line, why, the line or text removed)
    changed: list[tuple[int, str, str]] = field(default_factory=list)  # (offset in cleaned text, source char, written)
    closing: list[str] = field(default_factory=list)  # the issuer and date lines that close a signed document
    detected: str = ""  # the script the source is mostly written in


def _reason(bare: str) -> str:
    for why, rx in patterns.BOILERPLATE_LINES:
        if rx.match(bare):
            return why
    return "site noise"


def strip_noise_lines(raw: str) -> tuple[list[tuple[int, str]], list[tuple[int, str, str]]]:
    """Kept lines and removed ones, each with its 1-based source line; removed ones say why.

    Everything from the site footer (溫馨提示) on goes; so do boilerplate lines (import_patterns.BOILERPLATE_LINES),
    watermarks inside lines, and a content farm's repeats of the title line.
    """
    kept: list[tuple[int, str]] = []
    removed: list[tuple[int, str, str]] = []
    lines = raw.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    title_repeat: re.Pattern[str] | None = None
    title_seen = False  # the first line with text is the title; only a short one is looked for again
    for i, line in enumerate(lines, 1):
        stripped = line.strip()
        bare = stripped.lstrip("•·● ").strip()
        if FOOTER.match(stripped):
            removed += [(j, "site footer", rest.strip()) for j, rest in enumerate(lines[i - 1 :], i) if rest.strip()]
            break
        if any(rx.match(bare) for rx in NOISE_LINES):
            removed.append((i, _reason(bare), stripped))
            continue
        for why, rx in patterns.BOILERPLATE_INLINE:
            for m in rx.finditer(stripped):
                removed.append((i, why, m.group(0)))
            stripped = rx.sub("", stripped)
        stripped = PAGE_MARKER.sub("", stripped)
        if title_repeat is not None and title_repeat.match(stripped):
            removed.append((i, "repeat of the title", stripped))
            continue
        if not title_seen and stripped:
            title_seen = True
            if len(stripped) <= 40:
                title_repeat = re.compile(patterns.TITLE_REPEAT.format(title=re.escape(stripped)))
        kept.append((i, stripped))
    while kept and not kept[-1][1]:
        kept.pop()
    while kept and not kept[0][1]:
        kept.pop(0)
    return kept, removed


def unwrap(lines: list[str]) -> str:
    """The lines as text, hard wraps joined: a line that breaks off after a comma or enumeration mark, or that fills
    the document's wrap width, continues on the next. Every other line break of the source is kept."""
    widths = sorted((len(line) for line in lines if line), reverse=True)
    wrap = widths[0] if widths and widths[0] >= 20 and sum(w >= 0.9 * widths[0] for w in widths) >= 3 else 0
    out: list[str] = []
    for line in lines:
        previous = out[-1] if out else ""
        numbered = patterns.NUMBERED_LINE.match(line)
        if numbered and line[numbered.end() :].lstrip(" \u3000").startswith(patterns.REFERENCE_AFTER):
            numbered = None  # 第四十条第一项… continues a sentence: a reference, not a heading
        wrapped = (
            previous
            and line
            and not numbered
            and (
                previous[-1] in "，、,（(《“"
                or (wrap and len(previous) >= 0.9 * wrap and re.match(rf"[{CJK}0-9A-Za-z；;：]", previous[-1]))
            )
        )
        if wrapped:
            out[-1] += line
        else:
            out.append(line)
    return "\n".join(out)


def remove_pinyin(text: str) -> tuple[str, int]:
    return PINYIN.subn("", text)


def normalise_punctuation(text: str) -> str:
    """Full-width punctuation in Chinese text; half-width kept inside numbers (9:00, 1,000) and English."""

    def full(m: re.Match) -> str:
        return HALF_TO_FULL[m.group(0)]

    text = re.sub(r"(?<![0-9A-Za-z])[,;!]|[,;!](?![0-9A-Za-z ])", full, text)
    text = re.sub(rf"(?<=[{CJK}）])[ \t]*:[ \t]*|:(?=[{CJK}（])", "：", text)
    text = re.sub(rf"\(([^()\n]*[{CJK}][^()\n]*)\)", r"（\1）", text)
    text = re.sub(rf"(?<=[{CJK}])\?(?![?{CJK}])|(?<=[嗎吗呢麼么嘛])\?(?!\?)", "？", text)
    return text


def detect_script(text: str) -> str:
    """zh-Hans or zh-Hant, by which conversion changes fewer characters."""
    to_hant = sum(a != b for a, b in zip(text, convert(text, "zh-Hans", "zh-Hant"), strict=False))
    to_hans = sum(a != b for a, b in zip(text, convert(text, "zh-Hant", "zh-Hans"), strict=False))
    return "zh-Hant" if to_hant < to_hans else "zh-Hans"


# Simplified leftovers that OpenCC cannot see in Traditional text: the Simplified form is itself a Traditional
# character (系, 復, 沖, 范, 于), so only the word shows it should be 係, 複/覆, 衝, 範, 於. Add words here as sources
# show them; a character valid in the document's own script is never changed otherwise (雇主, 公布, 未准 stay).
LEFTOVER_WORDS = {
    "zh-Hant": {
        "關系": "關係",
        "重復": "重複",
        "答復": "答覆",
        "回復": "回覆",
        "復試": "複試",
        "沖突": "衝突",
        "規范": "規範",
        "范圍": "範圍",
        "范本": "範本",
        "范例": "範例",
        "示范": "示範",
        "防范": "防範",
        "范疇": "範疇",
        "模范": "模範",
        "典范": "典範",
        "以后": "以後",
        "之后": "之後",
        "然后": "然後",
        "最后": "最後",
        "前后": "前後",
        "后果": "後果",
        "后續": "後續",
        "這里": "這裡",
        "那里": "那裡",
        "什么": "什麼",
        "怎么": "怎麼",
        "那么": "那麼",
        "這么": "這麼",
        "干部": "幹部",
    },
    "zh-Hans": {},
}
# Leftover characters recognised by their neighbours rather than by a word: 于 between two Chinese characters is the
# preposition 於 (對于, 適用于, 屬于); 占 before a share is 佔 (評價占30%).
LEFTOVER_PATTERNS = {
    "zh-Hant": [(re.compile(rf"(?<=[{CJK}])于(?=[{CJK}0-9（(“「])"), "於"), (re.compile(r"(?<=[價价比])占"), "佔")],
    "zh-Hans": [],
}


# Words that are correct in the script although OpenCC's regional tables rewrite them: Taiwan's laws write 雇主
# (not 僱主), 公布 and 發布 (not 公佈), 未准 and 核准 (未準 changes the meaning). They are never changed; a single
# character protects every word it is in.
PROTECTED = {"zh-Hant": ["雇", "准", "公布", "發布", "頒布", "宣布", "布告"], "zh-Hans": []}


def _protected(text: str, script: str) -> set[int]:
    at: set[int] = set()
    for word in PROTECTED[script]:
        for m in re.finditer(re.escape(word), text):
            at.update(range(m.start(), m.end()))
    return at


def to_script_tracked(text: str, script: str) -> tuple[str, list[tuple[int, str, str]]]:
    """The text in the script and every character changed, as (offset, source character, written character).

    OpenCC converts from the other script, choosing each character's form by the word around it; that leaves
    characters already in the target script alone, so it is safe on mixed text. Words valid in the script that its
    regional tables would still rewrite (PROTECTED) are kept, and listed leftover words are then fixed.
    """
    other = "zh-Hans" if script == "zh-Hant" else "zh-Hant"
    converted = convert(text, other, script)
    if len(converted) != len(text):  # a conversion that changed the length: compare line by line instead
        lines = text.split("\n")
        out, changes, at = [], [], 0
        for line in lines:
            fixed, found = (
                to_script_tracked(line, script)
                if "\n" not in line and len(convert(line, other, script)) == len(line)
                else (line, [])
            )
            out.append(fixed)
            changes += [(at + o, a, b) for o, a, b in found]
            at += len(line) + 1
        return "\n".join(out), changes
    chars = list(text)
    keep = _protected(text, script)
    for i, (a, b) in enumerate(zip(text, converted, strict=True)):
        if a != b and i not in keep:
            chars[i] = b
    result = fix_leftover_words("".join(chars), script)
    return result, [(i, a, b) for i, (a, b) in enumerate(zip(text, result, strict=False)) if a != b]


def fix_leftover_words(text: str, script: str) -> str:
    for word, fixed in LEFTOVER_WORDS[script].items():
        text = text.replace(word, fixed)
    for rx, fixed in LEFTOVER_PATTERNS[script]:
        text = rx.sub(fixed, text)
    return text


def _outside_garbled(text: str, fix) -> str:
    """Apply fix to everything but the garbled spans, which stay exactly as the source showed them."""
    out, last = [], 0
    for m in GARBLED.finditer(text):
        out += [fix(text[last : m.start()]), m.group(0)]
        last = m.end()
    return "".join(out + [fix(text[last:])])


def _script_outside_garbled(text: str, script: str) -> tuple[str, list[tuple[int, str, str]]]:
    out, changes, last = [], [], 0
    pieces = [(m.start(), m.end()) for m in GARBLED.finditer(text)] + [(len(text), len(text))]
    for start, end in pieces:
        fixed, found = to_script_tracked(text[last:start], script)
        changes += [(last + o, a, b) for o, a, b in found]
        out += [fixed, text[start:end]]
        last = end
    return "".join(out), changes


def _closing(lines: list[str]) -> list[str]:
    """The issuer and date lines that end a signed document (勞動和社會保障部 / 二○○八年一月三日), or []."""
    body = [line for line in lines if line.strip()]
    if len(body) < 3 or not patterns.DATE_LINE.match(body[-1].strip()):
        return []
    block = [body[-1]]
    for line in reversed(body[-3:-1]):
        line = line.strip()
        if len(line) > patterns.SIGNATURE_LONGEST or re.search("[。；，,;]", line) or ENDS_SENTENCE.search(line):
            break
        block.insert(0, line)
    return block


def find_blanks(text: str) -> str:
    """Blanks written as underscores (＿＿天) or as a space before a unit (上午 時至 時), marked as BLANK_MARK."""
    return "\n".join(
        patterns.SPACE_BLANK.sub(BLANK_MARK, patterns.UNDERSCORE_BLANK.sub(BLANK_MARK, line))
        for line in text.split("\n")
    )


def clean(raw: str, script: str | None = None) -> CleanText:
    """The whole clean-up of a raw scraped document, in order."""
    raw, pinyin = remove_pinyin(raw)
    kept, removed = strip_noise_lines(raw)
    text = unwrap([line for _, line in kept])
    detected = detect_script(text)
    script = script or detected
    text = _outside_garbled(text, normalise_punctuation)
    text, changes = _script_outside_garbled(text, script)
    # Whole words are never mojibake, so they are fixed even where a garbled run reaches into them (意的答復).
    fixed = fix_leftover_words(text, script)
    changes += [
        (i, a, b)
        for i, (a, b) in enumerate(zip(text, fixed, strict=False))
        if a != b and not any(i == c[0] for c in changes)
    ]
    text = find_blanks(fixed)
    result = CleanText(
        text=text, script=script, noise_lines=[line for _, _, line in removed], pinyin_removed=pinyin, detected=detected
    )
    result.removed = removed
    result.changed = sorted(changes)
    result.garbled = [(m.start(), m.group(0)) for m in GARBLED.finditer(text)]
    result.blanks = BLANK.findall(text)
    result.closing = _closing(text.split("\n"))
    body = text.rstrip()
    if result.closing:
        body = body[: body.rstrip().rfind(result.closing[0])].rstrip()
    result.truncated = not ENDS_SENTENCE.search(body)
    return result
