"""Which characters a poster, checklist or handbook PDF could not print: those its page font lacks (an emoji, say),
found without printing, so that `rulebook check` reports what would otherwise stop the whole site build.

The fonts' character sets come from fontconfig (`fc-match`), which WeasyPrint renders with; without it nothing is
reported here and the printers say it themselves.
"""

from __future__ import annotations

import shutil
import subprocess
import unicodedata
from functools import lru_cache

from generator.findings import Finding, finding
from generator.languages import SOURCE
from generator.model import Check, Handbook, Policy
from generator.scripts import convert

# Line breaks, format and control characters are laid out, not drawn from the font.
NOT_DRAWN = {"Cc", "Cf", "Zl", "Zp"}


@lru_cache(maxsize=None)
def charset(family: str) -> frozenset[int] | None:
    """The code points the installed font family has, or None when fontconfig or the family is not there."""
    if shutil.which("fc-match") is None:
        return None
    try:
        done = subprocess.run(
            ["fc-match", "-f", "%{family}\n%{charset}", family], capture_output=True, text=True, timeout=20
        )
    except (OSError, subprocess.SubprocessError):
        return None
    names, _, ranges = done.stdout.partition("\n")
    if done.returncode != 0 or family not in names.split(","):
        return None  # fontconfig offered a substitute: the printers report the missing font
    points: set[int] = set()
    for part in ranges.split():
        first, _, last = part.partition("-")
        points.update(range(int(first, 16), int(last or first, 16) + 1))
    return frozenset(points)


def lacking(text: str, family: str) -> tuple[str, ...]:
    """The characters of text that family cannot draw."""
    have = charset(family)
    if have is None:
        return ()
    return tuple(sorted(c for c in set(text) if ord(c) not in have and unicodedata.category(c) not in NOT_DRAWN))


def _printed_texts(hb: Handbook, policy: Policy):
    """(policy the text belongs to, its path in that policy's data, Text) for every text a poster or checklist of
    policy prints."""
    for poster in policy.posters:
        yield policy, ("title",), policy.title
        if poster.title:
            yield policy, poster.at + ("title",), poster.title
        for clause_id in poster.clauses:
            clause = policy.clause(clause_id)
            for c in clause.walk() if clause else ():
                yield from (
                    (policy, c.at + (key,), text) for key, text in (("title", c.title), ("text", c.text)) if text
                )
    for checklist in policy.checklists:
        yield policy, ("title",), policy.title
        yield policy, checklist.at + ("title",), checklist.title
        if checklist.event:
            yield policy, checklist.at + ("event",), checklist.event
        for i, f in enumerate(checklist.fields):
            yield policy, checklist.at + ("fields", i, "label"), f.label
        for item in checklist.items:
            check: Check | None = hb.resolve_check(item, policy)
            if check is not None:
                owner, clause = check.clause.policy, check.clause
                # Each row names its clause: by title, or by the start of its text.
                yield owner, clause.at + ("title" if clause.title else "text",), clause.title or clause.text
                yield owner, check.at + ("do",), check.do
                if check.evidence:
                    yield owner, check.at + ("evidence",), check.evidence


def _document_texts(policy: Policy):
    """(policy, path, Text) for every policy text the handbook PDFs print (generator.book): all of a policy in force."""
    if policy.status != "in-force":
        return
    yield policy, ("title",), policy.title
    for c in policy.walk():
        yield from ((policy, c.at + (key,), text) for key, text in (("title", c.title), ("text", c.text)) if text)
    for parameter in policy.parameters:
        yield policy, parameter.at + ("label",), parameter.label
        if parameter.value is not None:
            yield policy, parameter.at + ("value",), parameter.value


def unprintable(hb: Handbook) -> list[Finding]:
    """A finding for each printed text holding a character the page font of a language it is printed in lacks (the
    language registry names each language's font): E090 on a poster or checklist, else E120 in the handbook PDFs."""
    out: dict[tuple, Finding] = {}
    for policy in hb.policies.values():
        # Each text once (a poster's clauses are in the handbook PDF too), said of where it is printed first.
        printed: dict[tuple, tuple] = {}
        for text in _printed_texts(hb, policy):
            printed.setdefault((text[0].path, text[1]), (*text, "E090", "poster and checklist"))
        for text in _document_texts(policy):
            printed.setdefault((text[0].path, text[1]), (*text, "E120", "handbook PDF"))
        by_script: dict[str, list[tuple]] = {}
        for entry in printed.values():
            by_script.setdefault(entry[0].script, []).append(entry)
        for script, entries in by_script.items():
            for lang in hb.languages:
                family = hb.languages.font(lang, script)
                reads_source = lang.text == SOURCE
                key = SOURCE if reads_source else lang.text
                # A policy's texts almost always lack nothing: they are converted and searched together first.
                if reads_source:
                    together = convert("\n".join(e[2].zh for e in entries), script, lang.script or script)
                else:
                    together = "\n".join(e[2].get(lang.text) or "" for e in entries)
                if not lacking(together, family):
                    continue
                for owner, at, text, code, what in entries:
                    words_of = convert(text.zh, script, lang.script or script) if reads_source else text.get(lang.text)
                    missing = lacking(words_of or "", family)
                    if missing and (owner.path, at, key) not in out:
                        shown = ", ".join(f"{c} (U+{ord(c):04X})" for c in missing)
                        out[(owner.path, at, key)] = finding(
                            owner.pos(at + (key,)),
                            code,
                            f"the {lang.name} {what} font ({family}) has "
                            f"no {shown}; the site build would stop when it prints this text",
                        )
    return list(out.values())
