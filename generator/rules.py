"""The rules a schema cannot express: ids, references, required clauses and topics, translations, numbering, blanks.

Each rule is a function of the handbook that yields findings; RULES lists them in the order they are reported.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from datetime import date
from functools import lru_cache
from typing import Callable, Iterable, Iterator

from generator import history, policy_texts
from generator.findings import CODES, Finding, finding
from generator.languages import SOURCE, Registry
from generator.model import PARAMETER, Handbook, Term
from generator.printable import unprintable
from generator.scripts import convert

Rule = Callable[[Handbook, date], Iterable[Finding]]


def _texts(data, registry: Registry) -> Iterator[tuple[tuple, dict]]:
    """Every text in raw policy data with its path; each with every translation key, empty where it has none."""
    return ((at, words) for at, words, _ in policy_texts.texts(data, registry))


def _language_name(registry: Registry, key: str) -> str:
    return next((lang.name for lang in registry if lang.text == key), key)


def _did_you_mean(word: str, known, default: str) -> str:
    """A hint naming the closest known id, when one is close enough to be a slip; else the code's default hint."""
    near = difflib.get_close_matches(word, sorted(known), n=1, cutoff=0.6)
    return f"did you mean '{near[0]}'? {default}" if near else default


def file_name(hb: Handbook, today: date) -> Iterator[Finding]:
    for p in hb.policies.values():
        if p.path.stem != p.id:
            yield finding(p.pos(("id",)), "E020", f"policy id '{p.id}' does not match the file name '{p.path.name}'")


def unique_ids(hb: Handbook, today: date) -> Iterator[Finding]:
    for p in hb.policies.values():
        scopes = {
            "clause": [(c.id, c.at) for c in p.walk()],
            "check": [(c.id, c.at) for c in p.checks()],
            "parameter": [(x.id, x.at) for x in p.parameters],
            "poster": [(x.id, x.at) for x in p.posters],
            "checklist": [(x.id, x.at) for x in p.checklists],
        }
        for scope, entries in scopes.items():
            first: dict[str, tuple] = {}
            for ident, at in entries:
                if ident in first:
                    line = p.pos(first[ident] + ("id",))[1]
                    yield finding(
                        p.pos(at + ("id",)),
                        "E021",
                        f"{scope} id '{ident}' is used twice in this policy (first at line {line})",
                    )
                else:
                    first[ident] = at


def retired_ids(hb: Handbook, today: date) -> Iterator[Finding]:
    for p in hb.policies.values():
        retired = set(p.retired_ids)
        for c in p.walk():
            if c.id in retired:
                yield finding(
                    p.pos(c.at + ("id",)), "E022", f"clause id '{c.id}' was retired and may not be used again"
                )


def references(hb: Handbook, today: date) -> Iterator[Finding]:
    for p in hb.policies.values():
        for c in p.walk():
            for i, ref in enumerate(c.refs):
                if hb.resolve(ref, p) is not None:
                    continue
                where = p.pos(c.at + ("refs", i))
                if ref.startswith("external:"):
                    name = ref.split(":", 1)[1]
                    yield finding(
                        where,
                        "E031",
                        f"reference '{ref}' names no document declared in handbook/external.yaml",
                        _did_you_mean(name, hb.external, CODES["E031"][2]),
                    )
                    continue
                policy_id, _, clause_id = ref.partition("#")
                if policy_id in hb.unloaded:
                    continue  # that file's own error is reported; its clauses cannot be looked up until it loads
                if policy_id and policy_id not in hb.policies:
                    yield finding(
                        where,
                        "E030",
                        f"reference '{ref}' points to policy '{policy_id}', which the handbook does not hold",
                        _did_you_mean(policy_id, hb.policies, CODES["E030"][2]),
                    )
                else:
                    target = hb.policies[policy_id] if policy_id else p
                    yield finding(
                        where,
                        "E030",
                        f"reference '{ref}' points to clause '{clause_id}', which {'policy ' + policy_id if policy_id else 'this policy'} does not have",
                        _did_you_mean(clause_id, [x.id for x in target.walk()], CODES["E030"][2]),
                    )


def topic_sources(hb: Handbook, today: date) -> Iterator[Finding]:
    """A topic's source names the guidance clause it comes from; the site links it, so it must resolve."""
    data = hb.data.get("requirements")
    if data is None:
        return
    for topic in hb.topics.values():
        if topic.source is None or not hb.policies:
            continue
        policy_id, _, _ = topic.source.partition("#")
        if policy_id in hb.unloaded:
            continue
        policy = hb.policies.get(policy_id)
        if (
            topic.source.startswith("external:")
            or not policy_id
            or policy is None
            or hb.resolve(topic.source, policy) is None
        ):
            yield finding(
                data.smap.at(topic.at + ("source",)),
                "E030",
                f"topic '{topic.id}' names its source '{topic.source}', which is no clause of the handbook",
                "Write it as policy-id#clause-id.",
            )


def roles_and_topics(hb: Handbook, today: date) -> Iterator[Finding]:
    if "roles" in hb.data:
        for p in hb.policies.values():
            named = [(p.owner, ("owner",)), (p.approver, ("approver",))]
            named += [(r, c.at + ("applies_to", i)) for c in p.walk() for i, r in enumerate(c.applies_to)]
            named += [(k.role, k.at + ("role",)) for k in p.checks()]
            named += [(k.addition.owner, k.at + ("addition", "owner")) for k in p.checks() if k.addition]
            named += [(cl.role, cl.at + ("role",)) for cl in p.checklists if cl.role]
            for role, at in named:
                if role not in hb.roles:
                    yield finding(
                        p.pos(at),
                        "E032",
                        f"unknown role or department '{role}'",
                        _did_you_mean(role, hb.roles, CODES["E032"][2]),
                    )
    if "requirements" in hb.data:
        for p in hb.policies.values():
            for c in p.walk():
                for i, topic in enumerate(c.topics):
                    if topic not in hb.topics:
                        yield finding(
                            p.pos(c.at + ("topics", i)),
                            "E033",
                            f"unknown topic '{topic}'",
                            _did_you_mean(topic, hb.topics, CODES["E033"][2]),
                        )


def required_clauses(hb: Handbook, today: date) -> Iterator[Finding]:
    for p in hb.policies.values():
        kinds = {c.kind for c in p.walk()}
        for req in hb.required_clauses:
            if p.type in req.policy_types and req.kind not in kinds:
                yield finding(
                    p.pos(("clauses",), key=True),
                    "W142" if p.draft else "E040",
                    f"a {p.type} must have a clause of kind '{req.kind}' ({req.name.zh}); none found",
                )


def topic_coverage(hb: Handbook, today: date) -> Iterator[Finding]:
    """Only meaningful for the whole handbook: check() skips it when asked about single files."""
    data = hb.data.get("requirements")
    if data is None or not hb.policies or hb.unloaded:
        return  # with a policy file that does not load, its clauses' topics are unknown: coverage cannot be judged
    covered = {topic for p in hb.policies.values() if p.type == "regulation" for c in p.walk() for topic in c.topics}
    for topic in hb.topics.values():
        if topic.id not in covered:
            yield finding(
                data.smap.at(topic.at + ("id",)),
                "E041",
                f"required topic '{topic.id}' ({topic.name.zh}) is covered by no clause of any regulation",
            )


def translations(hb: Handbook, today: date) -> Iterator[Finding]:
    keys = hb.languages.translations
    for p in hb.policies.values():
        for at, text in _texts(p.data, hb.languages):
            for key in keys:
                if not text[key].strip():
                    where = p.pos(at + ((key,) if key in _raw(p.data, at) else ()), key=key not in _raw(p.data, at))
                    name = _language_name(hb.languages, key)
                    # A draft is previewed before it is translated: its gaps are shown on the site, not refused.
                    yield finding(
                        where,
                        "W141" if p.draft else "E050",
                        f"missing {name} translation of '{_short(text[SOURCE])}'",
                        f"Write it under {key}: next to {SOURCE}:.",
                    )


def _raw(data, at: tuple) -> dict:
    for key in at:
        data = data[key]
    return data


def _short(text: str, n: int = 20) -> str:
    return text if len(text) <= n else text[:n] + "…"


ARTICLE_STYLES = ("article", "article-arabic")


def numbering(hb: Handbook, today: date) -> Iterator[Finding]:
    for p in hb.policies.values():
        groups = [p.clauses] + [c.clauses for c in p.walk() if c.clauses]
        # A law numbers its articles on through its chapters (第七條 opens 第二章): one group for the whole policy.
        articles = [c for c in p.walk() if c.style in ARTICLE_STYLES]
        groups = [[c for c in siblings if c.style not in ARTICLE_STYLES] for siblings in groups] + [articles]
        for siblings in groups:
            numbered = [c for c in siblings if c.number is not None and not c.inserted]  # 第 9-1 條 takes no number
            for expected, c in enumerate(numbered, start=1):
                if c.number != expected:
                    yield finding(
                        p.pos(c.at + ("number",)),
                        "E051",
                        f"{c.level_name} '{c.id}' is numbered {c.number}, expected {expected}",
                    )
                    break


def parameters(hb: Handbook, today: date) -> Iterator[Finding]:
    translation_keys = hb.languages.translations
    for p in hb.policies.values():
        used: Counter[str] = Counter()
        for at, text in _texts(p.data, hb.languages):
            if at and at[0] == "parameters":
                continue
            names = {key: set(PARAMETER.findall(words)) for key, words in text.items()}
            every = set().union(*names.values())
            used.update(every)
            for name in sorted(every):
                if p.parameter(name) is None:
                    key = next(k for k in text if name in names[k])
                    yield finding(
                        p.pos(at + (key,)), "E060", f"text uses {{{name}}}, but no parameter '{name}' is defined"
                    )
            for key in translation_keys:
                if not text[key].strip():
                    continue
                for name in sorted(n for n in names[SOURCE] ^ names[key] if p.parameter(n) is not None):
                    missing = _language_name(hb.languages, key) if name in names[SOURCE] else "Chinese"
                    yield finding(p.pos(at + (key,)), "E061", f"{{{name}}} is missing from the {missing} text")
        for param in p.parameters:
            if param.id not in used:
                yield finding(p.pos(param.at + ("id",)), "W102", f"parameter '{param.id}' is used in no text")
            elif param.value is None:
                yield finding(
                    p.pos(param.at + ("id",)),
                    "W101",
                    f"blank '{param.id}' ({param.label.zh}) is not filled in; used {used[param.id]} time{'s' * (used[param.id] != 1)}",
                )


def editorial_notes(hb: Handbook, today: date) -> Iterator[Finding]:
    for p in hb.policies.values():
        for note in p.editorial_notes:
            clause = p.clause(note.clause)
            if clause is None:
                yield finding(
                    p.pos(note.at + ("clause",)),
                    "E070",
                    f"editorial note names clause '{note.clause}', which does not exist",
                )
            elif not note.is_repair and (note.original or note.restored):
                yield finding(
                    p.pos(note.at + ("kind",)),
                    "E070",
                    f"the editorial note on clause '{note.clause}' is a flag, which keeps the text verbatim, yet it gives original or restored text",
                    "Remove 'original' and 'restored', or drop 'kind: flag' if the text was repaired.",
                )
            elif note.is_repair and note.restored not in " ".join(t.zh for t in (clause.title, clause.text) if t):
                yield finding(
                    p.pos(note.at + ("restored",)),
                    "E070",
                    f"the restored text does not occur in clause '{note.clause}'",
                )


def selections(hb: Handbook, today: date) -> Iterator[Finding]:
    for p in hb.policies.values():
        for poster in p.posters:
            for i, clause_id in enumerate(poster.clauses):
                if p.clause(clause_id) is None:
                    yield finding(
                        p.pos(poster.at + ("clauses", i)),
                        "E080",
                        f"poster '{poster.id}' selects clause '{clause_id}', which does not exist",
                    )
        for checklist in p.checklists:
            for i, item in enumerate(checklist.items):
                if item.partition("#")[0] in hb.unloaded and "#" in item:
                    continue
                if hb.resolve_check(item, p) is None:
                    yield finding(
                        p.pos(checklist.at + ("items", i)),
                        "E080",
                        f"checklist '{checklist.id}' lists check '{item}', which does not exist",
                    )


def printable_characters(hb: Handbook, today: date) -> Iterable[Finding]:
    """What the posters and checklists could not print, which would stop the site build (generator.printable)."""
    return unprintable(hb)


def poster_fit(hb: Handbook, today: date) -> Iterable[Finding]:
    """Posters too long for the site's sheet, which would stop the site build (generator.poster.sheet_fit)."""
    from generator.poster import unfit_posters

    return unfit_posters(hb)


def review_dates(hb: Handbook, today: date) -> Iterator[Finding]:
    for p in hb.policies.values():
        if p.next_review < today:
            yield finding(p.pos(("review",)), "W110", f"review was due on {p.next_review.isoformat()}")


def glossary_terms(hb: Handbook, today: date) -> Iterator[Finding]:
    glossary = hb.data.get("glossary")
    if glossary is None:
        return
    # An occurrence inside a longer glossary term (離職 inside 離職面談) is judged by the longer term alone.
    longer = {t.zh: [o.zh for o in hb.terms if t.zh in o.zh and t.zh != o.zh] for t in hb.terms}
    in_script: dict[str, dict[str, list[tuple[int, str, list[str], Term]]]] = {}
    for p in hb.policies.values():
        if p.script not in in_script:
            # The terms as this script writes them, by their first character: most terms occur in no given text,
            # and only those starting with one of its characters can.
            by_start = in_script[p.script] = {}
            for i, t in enumerate(hb.terms):
                zh = convert(t.zh, glossary.script, p.script)
                exclude = [convert(x, glossary.script, p.script) for x in t.exclude + longer[t.zh]]
                if zh:
                    by_start.setdefault(zh[0], []).append((i, zh, exclude, t))
        by_start = in_script[p.script]
        for at, text in _texts(p.data, hb.languages):
            english = text.get("en", "").lower()
            if not english.strip():
                continue
            chinese = text["zh"]
            present = sorted(t for c in by_start.keys() & set(chinese) for t in by_start[c] if t[1] in chinese)
            for _, zh, exclude, term in present:
                if _contains(chinese, zh, exclude) and not any(_uses(english, form) for form in term.forms):
                    yield finding(
                        p.pos(at + ("en",)), "W120", f"Chinese uses {term.zh} but the English does not say '{term.en}'"
                    )


def _contains(chinese: str, term: str, exclude: list[str]) -> bool:
    """Whether term occurs in chinese other than inside one of the exclude words."""
    return chinese.count(term) > sum(chinese.count(word) * word.count(term) for word in exclude)


def _uses(english: str, form: str) -> bool:
    return _word_start(form).search(english) is not None


@lru_cache(maxsize=4096)
def _word_start(form: str) -> re.Pattern:
    return re.compile(r"\b" + re.escape(form.lower()))


def codeowners(hb: Handbook, today: date) -> Iterator[Finding]:
    """The committed CODEOWNERS routes pull requests as the roles say (whole handbook only: it names every policy)."""
    from generator.codeowners import stale

    roles = hb.data.get("roles")
    if roles is None or hb.unloaded:
        return  # without the roles, or with a policy that does not load, the expected file cannot be known
    found = stale(hb, roles.smap.path if roles.smap else None)
    if found:
        yield found


RULES: list[Rule] = [
    file_name,
    unique_ids,
    retired_ids,
    references,
    roles_and_topics,
    required_clauses,
    topic_coverage,
    topic_sources,
    translations,
    numbering,
    parameters,
    editorial_notes,
    selections,
    printable_characters,
    poster_fit,
    review_dates,
    glossary_terms,
    codeowners,
    *history.RULES,
]

WHOLE_HANDBOOK_RULES = {topic_coverage, topic_sources, codeowners}


def run(hb: Handbook, today: date, whole: bool = True) -> list[Finding]:
    out: list[Finding] = []
    try:
        for rule in RULES:
            if whole or rule not in WHOLE_HANDBOOK_RULES:
                out.extend(rule(hb, today))
    finally:
        policy_texts.forget()
    return out
