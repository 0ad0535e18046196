"""Renders the handbook into the site's generated pages (HTML bodies from templates/site), one set per language.

Knows nothing of mkdocs: a page is a path, a title, an HTML body, its headings and anchors, so any static-site
framework can place it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache, partial
from pathlib import Path
from typing import Callable, Mapping

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from generator import locations as paths
from generator import model as m
from generator.diff import compare_policy
from generator.history import version_fingerprint
from generator.languages import SOURCE
from generator.localise import Localisers
from generator.reading import Reader, ordered_policies
from generator.site.page_reads import PageReads
from generator.site.search import Entry

# HTML for a checklist's printable page, made by the checklist renderer: (handbook, policy, checklist, lang,
# site_root=..., files=...) → HTML.
ChecklistPage = Callable[..., str]


@dataclass(frozen=True)
class Downloads:
    """Which printable files the build writes, so pages link only to files that exist."""

    posters: bool = False
    checklists: bool = False
    checklist_page: ChecklistPage | None = None
    acknowledgements: bool = False
    books: bool = False  # each policy in force, and the whole handbook, as a PDF per language (generator.book)


@dataclass
class Heading:
    level: int  # 1 = the page's sections, 2 = their subsections
    id: str
    text: str


@dataclass
class SitePage:
    path: str  # site path with language prefix: "en/policies/x/"
    lang: str
    title: str  # plain text
    body: str  # HTML
    headings: list[Heading] = field(default_factory=list)
    anchors: set[str] = field(default_factory=set)
    searchable: bool = True
    # The page's clauses as the search index holds them (one result each).
    search_entries: list[Entry] = field(default_factory=list)


@dataclass
class Redline:
    """One clause's change between two versions, for the history page: its words with insertions and deletions."""

    id: str
    status: str  # added | removed | changed
    name: str
    path: str  # the clause on the current page; "" when it was removed
    notes: list[str]
    texts: list[tuple[str, list[tuple[str, str]]]]  # (language name, runs of (same | added | removed, words))


@dataclass
class ReleaseView:
    version: str
    effective: str
    iso: str
    summary: str
    current: bool
    changes: list[Redline] | None  # None: the texts of this version or the one before are not in the history
    path: str = ""  # the page of this version as it read: the policy page for the current one


@dataclass
class NavEntry:
    title: str
    path: str = ""  # a page (site path) ...
    children: list["NavEntry"] = field(default_factory=list)  # ... or a section


@dataclass(frozen=True)
class PlannedPage:
    """A page before it is rendered: what names it, how to make it, the policies it reads whole (None: every one; the
    handbook data, the templates and the earlier versions are read by every page), and what it reads of others."""

    name: tuple[str, ...]
    make: Callable[[], SitePage]
    reads: frozenset[str] | None
    glimpses: str = ""  # the hash of what it reads of other policies, for its cache key


@lru_cache(maxsize=8)
def _environment(templates: str) -> Environment:
    """One environment per templates folder, so that the live preview compiles the templates once, not on every
    rebuild (jinja2 reads a template again when its file changes)."""
    return Environment(
        loader=FileSystemLoader(templates),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


class SiteRenderer:
    def __init__(
        self,
        handbook: m.Handbook,
        templates: Path,
        localisers: Localisers,
        downloads: Downloads = Downloads(),
        today: date | None = None,
        earlier: Mapping[str, Mapping[str, m.Policy]] | None = None,
    ):
        self.handbook, self.downloads = handbook, downloads
        self.earlier = earlier or {}  # {policy id: {version: the policy at that version}}, from generator.versions
        self.today = today or date.today()
        self.registry = handbook.languages
        self.env = _environment(str(templates))
        self.readers = {code: Reader(handbook, localiser) for code, localiser in localisers.items()}
        self.localisers = localisers
        self._check_codes: dict[tuple[str, str, str], str] = {}

    # Pages

    def pages(self) -> list[SitePage]:
        return [planned.make() for planned in self.plan()]

    def plan(self) -> list[PlannedPage]:
        """Every page, unrendered, with what it reads: the live preview renders again only the pages that read
        something that changed (generator/site/page_cache.py)."""
        out: list[PlannedPage] = []
        reads = PageReads(self.handbook, self.earlier)
        nothing: frozenset[str] = frozenset()
        for lang in self.registry.codes:
            for policy in ordered_policies(self.handbook):
                planned = partial(PlannedPage, reads=frozenset({policy.id}), glimpses=reads.named(policy))
                out.append(planned(("policy", lang, policy.id), partial(self.policy_page, policy, lang)))
                out.append(planned(("parallel", lang, policy.id), partial(self.parallel_page, policy, lang)))
                out.append(planned(("history", lang, policy.id), partial(self.history_page, policy, lang)))
                out += [
                    planned(("version", lang, policy.id, old.version), partial(self.version_page, policy, old, lang))
                    for old in self.earlier.get(policy.id, {}).values()
                    if policy.release(old.version) is not None
                ]
                if policy.status == "in-force":
                    out += [
                        planned(("checklist", lang, policy.id, c.id), partial(self.checklist_page, policy, c, lang))
                        for c in policy.checklists
                    ]
            out.append(PlannedPage(("roles", lang), partial(self.roles_page, lang), nothing, reads.outlines()))
            everyone = {g.id for g in self.handbook.roles.values() if g.everyone}
            out += [
                PlannedPage(
                    ("role", lang, role.id),
                    partial(self.role_page, role, lang),
                    nothing,
                    reads.roles({role.id} | {r.id for r in self._chain(role)} | everyone),
                )
                for role in self.handbook.roles.values()
            ]
            out.append(PlannedPage(("coverage", lang), partial(self.coverage_page, lang), None))
            out.append(PlannedPage(("glossary", lang), partial(self.glossary_page, lang), nothing))
        return out

    def _render(self, template: str, path: str, lang: str, **context) -> str:
        reader = self.readers[lang]
        return self.env.get_template(template).render(
            r=reader,
            t=reader.t,
            lang=lang,
            url=lambda target: paths.relative(path, target),
            paths=paths,
            downloads=self.downloads,
            **context,
        )

    def policy_page(self, policy: m.Policy, lang: str) -> SitePage:
        r = self.readers[lang]
        path = r.link(paths.policy(policy.id))
        clauses = [r.clause(c) for c in policy.clauses]
        retired = self._retired(policy, r)
        body = self._render(
            "policy.html",
            path,
            lang,
            policy=policy,
            meta=self._meta(policy, r),
            clauses=clauses,
            blanks=self._blanks(policy, r),
            notes=self._notes(policy, r),
            posters=self._posters(policy, r),
            checklists=self._checklists(policy, r),
            acknowledgements=self._acknowledgements(policy),
            superseded=None,
            retired=retired,
        )
        headings = [
            Heading(c.level, c.id, r.clause_name(c))
            for c in policy.walk()
            if c.level <= 2 and (c.number is not None or c.title)
        ]
        entries = [self._search_entry(c, path, r) for c in policy.walk() if c.text is not None]
        anchors = {c.id for c in policy.walk()} | {ident for ident, _, _ in retired}
        return SitePage(path, lang, r.policy_title(policy), body, headings, anchors, True, entries)

    def version_page(self, policy: m.Policy, old: m.Policy, lang: str) -> SitePage:
        """An earlier version as it read, at a stable address, marked as superseded with a link to the current one.
        Not searched: a search finds the rules in force."""
        r = self.readers[lang]
        path = r.link(paths.version(policy.id, old.version))
        later = [h for h in policy.history if m.version_key(h.version) > m.version_key(old.version)]
        superseded = {
            "version": old.version,
            "effective": r.date(old.effective),
            "by": later[0].version if later else policy.version,
            "current": r.link(paths.policy(policy.id)),
        }
        body = self._render(
            "policy.html",
            path,
            lang,
            policy=old,
            meta=self._meta(old, r),
            clauses=[r.clause(c) for c in old.clauses],
            blanks=self._blanks(old, r),
            notes=self._notes(old, r),
            posters=[],
            checklists=[],
            acknowledgements=[],
            superseded=superseded,
            retired=[],
        )
        title = f"{r.policy_title(old)} · {r.t('history.version', version=old.version)}"
        return SitePage(path, lang, title, body, [], {c.id for c in old.walk()}, searchable=False)

    def _retired(self, policy: m.Policy, r: Reader) -> list[tuple[str, str, str]]:
        """(id, notice, link to the last version that had it) for each retired clause id, so that an old link lands
        on a notice instead of a missing anchor."""
        texts = self.earlier.get(policy.id, {})
        versions = [h.version for h in policy.history]
        out = []
        for ident in policy.retired_ids:
            had = [v for v in versions if v in texts and texts[v].clause(ident) is not None]
            last = had[-1] if had else None
            retired_in = next(
                (h for h in policy.history if last and m.version_key(h.version) > m.version_key(last)), None
            )
            notice = (
                r.t("clause.retired_in", version=retired_in.version, date=r.date(retired_in.effective))
                if retired_in
                else r.t("clause.retired")
            )
            link = r.link(paths.version(policy.id, last)) + f"#{ident}" if last else ""
            out.append((ident, notice, link))
        return out

    def _search_entry(self, clause: m.Clause, path: str, r: Reader) -> Entry:
        """A clause's search entry: titled by its own title, else by the section it is in and its number (never by
        its first sentence: a long title outweighs every body)."""
        sections, node = [], clause.parent
        while node is not None:
            if node.title is not None:
                sections.append(r.clause_title(node))
            node = node.parent
        title = r.clause_title(clause)
        if not title:
            title = f"{sections[0] if sections else r.policy_title(clause.policy)} {r.label(clause)}".strip()
        chinese = " ".join(t.zh for t in (clause.title, clause.text) if t is not None)
        return Entry(
            path,
            clause.id,
            r.lang,
            title,
            r.plain(clause.text, clause.policy),
            " ".join(sections),
            chinese,
            clause.policy.script,
        )

    def parallel_page(self, policy: m.Policy, lang: str) -> SitePage:
        """The Chinese beside a translation: the reader's own language on its side, and on the other the policy's
        own script (for a translation's reader) or the first translation (for a Chinese reader)."""
        r = self.readers[lang]
        path = r.link(paths.parallel(policy.id))
        own = self.readers[self.registry.of_script(policy.script).code]
        translated = [reader for reader in self.readers.values() if not reader.words.reads_source]
        left = r if r.words.reads_source else own
        right = r if not r.words.reads_source else (translated[0] if translated else own)
        rows = [(left.clause(c, deep=False), right.clause(c, deep=False)) for c in policy.walk()]
        body = self._render("parallel.html", path, lang, policy=policy, rows=rows, left=left, right=right)
        title = f"{r.policy_title(policy)} · {r.t('policy.parallel')}"
        return SitePage(path, lang, title, body, [], {c.id for c in policy.walk()}, searchable=False)

    def history_page(self, policy: m.Policy, lang: str) -> SitePage:
        """Every version of the policy, newest first, with its date, its summary and what it changed, clause by clause."""
        r = self.readers[lang]
        path = r.link(paths.history(policy.id))
        texts = {**self.earlier.get(policy.id, {}), policy.version: policy}
        releases = []
        for i, entry in enumerate(policy.history):
            before = policy.history[i - 1] if i else None
            changes = None
            if before is not None and before.version in texts and entry.version in texts:
                change = compare_policy(texts[before.version], texts[entry.version])
                changes = [
                    self._redline(c, texts[before.version], texts[entry.version], r)
                    for c in (change.clauses if change else [])
                ]
            current = entry.version == policy.version
            page = (
                paths.policy(policy.id)
                if current
                else paths.version(policy.id, entry.version)
                if entry.version in texts
                else ""
            )
            releases.append(
                ReleaseView(
                    entry.version,
                    r.date(entry.effective),
                    entry.effective.isoformat(),
                    r.text(entry.summary, policy.script),
                    current,
                    changes,
                    r.link(page) if page else "",
                )
            )
        body = self._render(
            "history.html", path, lang, policy=policy, meta=self._meta(policy, r), releases=releases[::-1]
        )
        title = f"{r.policy_title(policy)} · {r.t('history.title')}"
        return SitePage(path, lang, title, body, [], {f"v{e.version}" for e in policy.history}, searchable=False)

    def _redline(self, change, old: m.Policy, new: m.Policy, r: Reader) -> Redline:
        """A clause change (generator.diff) in the reader's language: the Chinese, and on a translation's page the
        translation too; an added or removed clause shows all its words as inserted or deleted."""
        script = new.script
        keys = [SOURCE] + ([] if r.words.reads_source else [r.words.language.text])
        names = {SOURCE: self.registry.of_script(script).name, r.words.language.text: self.registry[r.lang].name}

        def words(key: str, text: str) -> str:
            return r.zh(text, script) if key == SOURCE else text

        clause = (new if change.status != "removed" else old).clause(change.id)
        assert clause is not None  # the comparison names only clauses of the two versions
        texts = []
        for key in keys:
            if change.status == "changed":
                runs = [(tag, words(key, text)) for c in change.texts if c.lang == key for tag, text in c.runs]
            else:
                tag = "added" if change.status == "added" else "removed"
                whole = " ".join(t.get(key) for t in (clause.title, clause.text) if t and t.get(key))
                runs = [(tag, words(key, whole))] if whole else []
            if runs:
                texts.append((names[key], runs))
        notes = []
        if change.renumbered:
            notes.append(r.t("history.renumbered", old=change.old_label, new=change.new_label))
        if change.moved:
            notes.append(r.t("history.moved"))
        current = self.handbook.policies.get(new.id)
        here = current.clause(change.id) if current else None
        name = r.clause_name(here or clause, full=True)
        path = r.link(paths.policy(new.id)) + f"#{change.id}" if here is not None else ""
        return Redline(change.id, change.status, name, path, notes, texts)

    def checklist_page(self, policy: m.Policy, checklist: m.Checklist, lang: str) -> SitePage:
        r = self.readers[lang]
        path = r.link(paths.checklist_page(policy.id, checklist.id))
        # The checklist renderer's page links its PDF, CSV and JSON, so it is used only when the build writes them.
        made = self.downloads.checklist_page if self.downloads.checklists else None
        fragment = None
        if made is not None:
            fragment = Markup(
                made(
                    self.handbook,
                    policy,
                    checklist,
                    lang,
                    site_root=paths.relative(path, r.link(paths.HOME)),
                    files=paths.relative(path, paths.checklist_folder(policy.id)),
                )
            )
        items = []
        for item in checklist.items:
            check = self.handbook.resolve_check(item, policy)
            if check is not None:
                items.append((r.check(check), check.clause))
        body = self._render(
            "checklist.html",
            path,
            lang,
            policy=policy,
            checklist=checklist,
            fragment=fragment,
            items=items,
            title=r.text(checklist.title, policy.script),
            event=r.text(checklist.event, policy.script),
            role=r.role_link(checklist.role) if checklist.role else None,
            fields=[(f, r.text(f.label, policy.script)) for f in checklist.fields],
        )
        return SitePage(path, lang, r.text(checklist.title, policy.script), body, searchable=False)

    def roles_page(self, lang: str) -> SitePage:
        r = self.readers[lang]
        path = r.link(paths.ROLES)
        roles = self.handbook.roles
        members: dict[str, list[m.Role]] = {}
        for role in roles.values():
            if role.part_of in roles:
                members.setdefault(role.part_of, []).append(role)
        counts = {rid: len(self._applying(rid)) for rid in roles}
        groups = [
            (kind, [role for role in roles.values() if role.kind == kind and role.part_of not in roles])
            for kind in ("department", "role", "group")
        ]
        body = self._render(
            "roles.html", path, lang, groups=[g for g in groups if g[1]], members=members, counts=counts
        )
        return SitePage(path, lang, r.t("roles.title"), body, searchable=False)

    def _applying(self, role_id: str) -> list[m.Clause]:
        return [c for p in ordered_policies(self.handbook) for c in p.walk() if role_id in c.applies_to]

    def role_page(self, role: m.Role, lang: str) -> SitePage:
        r = self.readers[lang]
        path = r.link(paths.role(role.id))
        name = r.role_name(role.id)
        chain = self._chain(role)
        sections = [(r.t("roles.direct", name=name), self._grouped(self._applying(role.id), r))]
        sections += [(r.t("roles.via", name=r.role_name(p.id)), self._grouped(self._applying(p.id), r)) for p in chain]
        # What binds every employee binds this role too (the everyone group's own page lists them as its own).
        sections += [
            (r.t("roles.everyone", name=r.role_name(g.id)), self._grouped(self._applying(g.id), r))
            for g in self.handbook.roles.values()
            if g.everyone and g is not role and g not in chain
        ]
        checks = [(c, p) for p in ordered_policies(self.handbook) for c in p.checks() if c.role == role.id]
        check_views = [(r.check(c), c.clause, p) for c, p in checks]
        checklists = [(p, c) for p in ordered_policies(self.handbook) for c in p.checklists if c.role == role.id]
        owns = [p for p in ordered_policies(self.handbook) if p.owner == role.id]
        approves = [p for p in ordered_policies(self.handbook) if p.approver == role.id]
        body = self._render(
            "role.html",
            path,
            lang,
            role=role,
            name=name,
            chain=chain,
            sections=sections,
            checks=check_views,
            checklists=checklists,
            owns=owns,
            approves=approves,
        )
        return SitePage(path, lang, name, body, searchable=False)

    def _chain(self, role: m.Role) -> list[m.Role]:
        """The roles role is part of, nearest first."""
        chain, parent = [], self.handbook.roles.get(role.part_of or "")
        while parent is not None and parent not in chain:
            chain.append(parent)
            parent = self.handbook.roles.get(parent.part_of or "")
        return chain

    def _grouped(self, clauses: list[m.Clause], r: Reader) -> list[tuple[m.Policy, list]]:
        groups: dict[str, tuple[m.Policy, list]] = {}
        for clause in clauses:
            groups.setdefault(clause.policy.id, (clause.policy, []))[1].append(
                (r.clause(clause, deep=False), r.clause_name(clause, full=True))
            )
        return list(groups.values())

    def coverage_page(self, lang: str) -> SitePage:
        r = self.readers[lang]
        path = r.link(paths.COVERAGE)
        regulations = [p for p in ordered_policies(self.handbook) if p.type == "regulation"]
        rows = []
        for topic in self.handbook.topics.values():
            cells = [[c for c in p.walk() if topic.id in c.topics] for p in regulations]
            source = r.reference(topic.source, None) if topic.source else None
            rows.append((topic, cells, source if source and source.path else None))
        kinds = []
        for req in self.handbook.required_clauses:
            required: list[list[m.Clause] | None] = [
                [c for c in p.walk() if c.kind == req.kind] if p.type in req.policy_types else None for p in regulations
            ]
            kinds.append((req, required))
        # What a policy owner acts on: each regulation's topics that no clause of it covers.
        gaps = [(p, [topic for topic, cells, _ in rows if not cells[i]]) for i, p in enumerate(regulations)]
        body = self._render("coverage.html", path, lang, regulations=regulations, rows=rows, kinds=kinds, gaps=gaps)
        headings = [
            Heading(1, "topics", r.t("coverage.title")),
            Heading(1, "gaps", r.t("coverage.gaps")),
            Heading(1, "required-clauses", r.t("coverage.kinds")),
        ]
        return SitePage(path, lang, r.t("coverage.title"), body, headings, searchable=False)

    def glossary_page(self, lang: str) -> SitePage:
        r = self.readers[lang]
        path = r.link(paths.GLOSSARY)
        script = r.data_script("glossary")
        han = re.compile(r"[\u3400-\u9fff]")
        # Everyday words in the reader's language: Chinese ones (in the reading script) for a Chinese reader.
        terms = [
            (
                r.zh(t.zh, script),
                t,
                [
                    r.zh(w, script) if han.search(w) else w
                    for w in t.search
                    if bool(han.search(w)) == r.words.reads_source
                ],
            )
            for t in self.handbook.terms
        ]
        body = self._render("glossary.html", path, lang, terms=terms)
        # Not searched: one long table would top every result list with a wall of terms.
        return SitePage(path, lang, r.t("glossary.title"), body, searchable=False)

    # Fragments for hand-written pages

    def fragment(self, name: str, lang: str, path: str) -> str | None:
        """HTML for a marker `<!-- rulebook:NAME -->` in a hand-written page, or None for an unknown name."""
        r = self.readers[lang]
        if name == "policies":
            cards = [
                (p, self._meta(p, r), sum(q.value is None for q in p.parameters))
                for p in ordered_policies(self.handbook)
            ]
            return self._render("policy-list.html", path, lang, cards=cards)
        if name == "role-finder":
            roles = self.handbook.roles.values()
            groups = [(kind, [x for x in roles if x.kind == kind]) for kind in ("department", "role", "group")]
            return self._render("role-finder.html", path, lang, groups=[g for g in groups if g[1]])
        if name == "downloads":
            rows = [(p, self._posters(p, r), self._checklists(p, r)) for p in ordered_policies(self.handbook)]
            forms = {p.id: self._acknowledgements(p) for p in ordered_policies(self.handbook)}
            book = self.downloads.books
            rows = [
                row for row in rows if row[1] or row[2] or forms[row[0].id] or (book and row[0].status == "in-force")
            ]
            return self._render("downloads.html", path, lang, rows=rows, acknowledgements=forms)
        return None

    # Navigation

    def nav(self, lang: str, help_pages: list[str]) -> list[NavEntry]:
        """The navigation of one language; help_pages are the hand-written pages' site paths, titles filled in later."""
        r = self.readers[lang]
        policies = [NavEntry(r.policy_title(p), r.link(paths.policy(p.id))) for p in ordered_policies(self.handbook)]
        find = [
            NavEntry(r.t("roles.title"), r.link(paths.ROLES)),
            NavEntry(r.t("coverage.title"), r.link(paths.COVERAGE)),
            NavEntry(r.t("glossary.title"), r.link(paths.GLOSSARY)),
        ]
        entries = [
            NavEntry(r.t("nav.home"), r.link(paths.HOME)),
            NavEntry(r.t("nav.policies"), children=policies),
            NavEntry(r.t("nav.find"), children=find),
        ]
        if help_pages:
            entries.append(NavEntry(r.t("nav.help"), children=[NavEntry("", p) for p in help_pages]))
        return entries

    def language_name(self, lang: str) -> str:
        return self.registry[lang].name

    # Parts shared by several pages

    def _meta(self, policy: m.Policy, r: Reader) -> dict:
        return {
            "title": r.policy_title(policy),
            "type": r.t(f"policy.{policy.type}"),
            "owner": r.role_link(policy.owner),
            "approver": r.role_link(policy.approver),
            "version": policy.version,
            "effective": r.date(policy.effective),
            "next_review": r.date(policy.next_review),
            "overdue": policy.next_review < self.today,
            "source": r.zh(policy.source_title, policy.script) if policy.source_title else "",
            "source_file": policy.source,
            "truncated": policy.truncated,
            "note": r.text(policy.provenance_note, policy.script),
            "clauses": sum(1 for _ in policy.walk()),
            "path": r.link(paths.policy(policy.id)),
            "parallel": r.link(paths.parallel(policy.id)),
            "history": r.link(paths.history(policy.id)),
            "status": policy.status,
            "fingerprint": version_fingerprint(policy),
        }

    def _blanks(self, policy: m.Policy, r: Reader) -> list[tuple[str, str, list[tuple[str, str, str]]]]:
        """Clauses with unfilled parameters, in reading order: (clause id, clause name, blanks), each blank as (label,
        what the source showed where the label is an editor's, why)."""
        unfilled = {
            p.id: (
                r.text(p.label, policy.script),
                r.t("policy.blank_source", shown=p.source_shown) if p.source_shown else "",
                r.text(p.source_reason, policy.script),
            )
            for p in policy.parameters
            if p.value is None
        }
        out = []
        for clause in policy.walk():
            names = [n for t in (clause.title, clause.text) if t for n in m.PARAMETER.findall(t.zh) if n in unfilled]
            if names:
                out.append((clause.id, r.clause_name(clause, full=True), [unfilled[n] for n in names]))
        return out

    def _notes(self, policy: m.Policy, r: Reader) -> list[tuple]:
        out = []
        for note in policy.editorial_notes:
            clause = policy.clause(note.clause)
            out.append((note.clause, r.clause_name(clause, full=True) if clause else note.clause))
        return out

    def _posters(self, policy: m.Policy, r: Reader) -> list[tuple[str, list, str, str]]:
        """(title, files, clause its QR code opens, check code of the sheet in r's language) per poster; each file is
        (language name, path, language code, the sheet's check code), so a reader can compare it with the wall.
        Drafts and retired policies print nothing."""
        posters: list[tuple[str, list, str, str]] = []
        if not self.downloads.posters or policy.status != "in-force":
            return posters
        for poster in policy.posters:
            title = r.text(poster.title, policy.script) if poster.title else r.policy_title(policy)
            files = [
                (
                    lang.name,
                    paths.poster_file(policy.id, poster.id, lang.code),
                    lang.code,
                    self._check_code(policy, poster, lang.code),
                )
                for lang in self.registry
            ]
            posters.append((title, files, poster.clauses[0], self._check_code(policy, poster, r.lang)))
        return posters

    def _check_code(self, policy: m.Policy, poster: m.Poster, lang: str) -> str:
        """The check code the poster prints, computed from its words without printing it (the poster renderer's
        own fingerprint, so the site and the wall cannot disagree)."""
        from generator.poster import poster_content  # the site needs it only when posters are printed too

        key = (policy.id, poster.id, lang)
        if key not in self._check_codes:
            content = poster_content(self.handbook, policy, poster, lang, None, self.localisers)
            self._check_codes[key] = content.fingerprint
        return self._check_codes[key]

    def _acknowledgements(self, policy: m.Policy) -> list[tuple[str, str, str, str]]:
        """(language name, path, language code, version fingerprint) of each acknowledgement form of the policy's
        current version; none for a draft or a retired policy, which nobody is asked to sign."""
        if not self.downloads.acknowledgements or policy.status != "in-force":
            return []
        fingerprint = version_fingerprint(policy)
        return [
            (lang.name, paths.acknowledgement_file(policy.id, policy.version, lang.code), lang.code, fingerprint)
            for lang in self.registry
        ]

    def _checklists(self, policy: m.Policy, r: Reader) -> list[tuple[str, str, list]]:
        out: list[tuple[str, str, list]] = []
        if policy.status != "in-force":
            return out
        for checklist in policy.checklists:
            # A PDF per language, the reader's own first, and the bilingual one; one CSV and one JSON for all.
            pdfs = sorted(self.registry.codes, key=lambda code: code != r.lang)
            files = [
                (f"PDF {self.registry[code].name}", paths.checklist_pdf(policy.id, checklist.id, code)) for code in pdfs
            ]
            files.append((f"PDF {r.t('form.bilingual')}", paths.checklist_pdf(policy.id, checklist.id, "bilingual")))
            files += [(ext.upper(), paths.checklist_file(policy.id, checklist.id, ext)) for ext in ("csv", "json")]
            out.append(
                (
                    r.text(checklist.title, policy.script),
                    r.link(paths.checklist_page(policy.id, checklist.id)),
                    files if self.downloads.checklists else [],
                )
            )
        return out
