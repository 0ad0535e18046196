"""Renders the handbook into the site's generated pages (HTML bodies from templates/site), one set per language.

Knows nothing of mkdocs: a page is a path, a title, an HTML body, its headings and anchors, so any static-site
framework can place it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Callable

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from generator import locations as paths
from generator import model as m
from generator.localise import Localisers
from generator.site.reading import Reader

# HTML for a checklist's printable page, made by the checklist renderer: (handbook, policy, checklist, lang) → HTML.
ChecklistPage = Callable[[m.Handbook, m.Policy, m.Checklist, str], str]


@dataclass(frozen=True)
class Downloads:
    """Which printable files the build writes, so pages link only to files that exist."""

    posters: bool = False
    checklists: bool = False
    checklist_page: ChecklistPage | None = None


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
    # Search result titles by anchor, for sections whose heading alone (a bare "1.") would not say what they are.
    search_titles: dict[str, str] = field(default_factory=dict)


@dataclass
class NavEntry:
    title: str
    path: str = ""  # a page (site path) ...
    children: list["NavEntry"] = field(default_factory=list)  # ... or a section


def ordered_policies(handbook: m.Handbook) -> list[m.Policy]:
    """Regulations before guidance, then by id: a stable order for navigation and tables."""
    return sorted(handbook.policies.values(), key=lambda p: (p.type != "regulation", p.id))


class SiteRenderer:
    def __init__(self, handbook: m.Handbook, templates: Path, localisers: Localisers, downloads: Downloads = Downloads(),
                 today: date | None = None):
        self.handbook, self.downloads = handbook, downloads
        self.today = today or date.today()
        self.registry = handbook.languages
        self.env = Environment(
            loader=FileSystemLoader(str(templates)), autoescape=select_autoescape(default=True, default_for_string=True),
            undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
        )
        self.readers = {code: Reader(handbook, localiser) for code, localiser in localisers.items()}
        self.localisers = localisers
        self._check_codes: dict[tuple[str, str, str], str] = {}

    # Pages

    def pages(self) -> list[SitePage]:
        out: list[SitePage] = []
        for lang in self.registry.codes:
            for policy in ordered_policies(self.handbook):
                out.append(self.policy_page(policy, lang))
                out.append(self.parallel_page(policy, lang))
                out += [self.checklist_page(policy, c, lang) for c in policy.checklists]
            out.append(self.roles_page(lang))
            out += [self.role_page(role, lang) for role in self.handbook.roles.values()]
            out.append(self.coverage_page(lang))
            out.append(self.glossary_page(lang))
        return out

    def _render(self, template: str, path: str, lang: str, **context) -> str:
        reader = self.readers[lang]
        return self.env.get_template(template).render(
            r=reader, t=reader.t, lang=lang, url=lambda target: paths.relative(path, target), paths=paths,
            downloads=self.downloads, **context,
        )

    def policy_page(self, policy: m.Policy, lang: str) -> SitePage:
        r = self.readers[lang]
        path = r.link(paths.policy(policy.id))
        clauses = [r.clause(c) for c in policy.clauses]
        body = self._render("policy.html", path, lang, policy=policy, meta=self._meta(policy, r), clauses=clauses,
                            blanks=self._blanks(policy, r), notes=self._notes(policy, r),
                            posters=self._posters(policy, r), checklists=self._checklists(policy, r))
        headings = [Heading(c.level, c.id, r.clause_name(c)) for c in policy.walk() if c.level <= 2 and (c.number is not None or c.title)]
        # Search results name a clause by its words alone in Chinese: a numeral such as 一 would become a one-character
        # token, which the search box's query cutting stops at (see search.words_of).
        titles = {c.id: (r.clause_title(c) or r.snippet(c)) if r.words.reads_source else r.clause_name(c) for c in policy.walk()}
        return SitePage(path, lang, r.policy_title(policy), body, headings, {c.id for c in policy.walk()}, True, titles)

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

    def checklist_page(self, policy: m.Policy, checklist: m.Checklist, lang: str) -> SitePage:
        r = self.readers[lang]
        path = r.link(paths.checklist_page(policy.id, checklist.id))
        # The checklist renderer's page links its PDF, CSV and JSON, so it is used only when the build writes them.
        made = self.downloads.checklist_page if self.downloads.checklists else None
        fragment = None
        if made is not None:
            fragment = Markup(made(self.handbook, policy, checklist, lang, site_root=paths.relative(path, r.link(paths.HOME)),
                                   files=paths.relative(path, paths.checklist_folder(policy.id))))
        items = []
        for item in checklist.items:
            check = self.handbook.resolve_check(item, policy)
            if check is not None:
                items.append((r.check(check), check.clause))
        body = self._render("checklist.html", path, lang, policy=policy, checklist=checklist, fragment=fragment,
                            items=items, title=r.text(checklist.title, policy.script),
                            event=r.text(checklist.event, policy.script),
                            role=r.role_link(checklist.role) if checklist.role else None,
                            fields=[(f, r.text(f.label, policy.script)) for f in checklist.fields])
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
        body = self._render("roles.html", path, lang, groups=[g for g in groups if g[1]], members=members, counts=counts)
        return SitePage(path, lang, r.t("roles.title"), body, searchable=False)

    def _applying(self, role_id: str) -> list[m.Clause]:
        return [c for p in ordered_policies(self.handbook) for c in p.walk() if role_id in c.applies_to]

    def role_page(self, role: m.Role, lang: str) -> SitePage:
        r = self.readers[lang]
        path = r.link(paths.role(role.id))
        name = r.role_name(role.id)
        chain, parent = [], self.handbook.roles.get(role.part_of or "")
        while parent is not None and parent not in chain:
            chain.append(parent)
            parent = self.handbook.roles.get(parent.part_of or "")
        sections = [(r.t("roles.direct", name=name), self._grouped(self._applying(role.id), r))]
        sections += [(r.t("roles.via", name=r.role_name(p.id)), self._grouped(self._applying(p.id), r)) for p in chain]
        checks = [
            (c, p) for p in ordered_policies(self.handbook) for c in p.checks() if c.role == role.id
        ]
        check_views = [(r.check(c), c.clause, p) for c, p in checks]
        checklists = [(p, c) for p in ordered_policies(self.handbook) for c in p.checklists if c.role == role.id]
        owns = [p for p in ordered_policies(self.handbook) if p.owner == role.id]
        approves = [p for p in ordered_policies(self.handbook) if p.approver == role.id]
        body = self._render("role.html", path, lang, role=role, name=name, chain=chain, sections=sections,
                            checks=check_views, checklists=checklists, owns=owns, approves=approves)
        return SitePage(path, lang, name, body, searchable=False)

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
            cells = [
                [c for c in p.walk() if c.kind == req.kind] if p.type in req.policy_types else None for p in regulations
            ]
            kinds.append((req, cells))
        body = self._render("coverage.html", path, lang, regulations=regulations, rows=rows, kinds=kinds)
        headings = [Heading(1, "topics", r.t("coverage.title")), Heading(1, "required-clauses", r.t("coverage.kinds"))]
        return SitePage(path, lang, r.t("coverage.title"), body, headings, searchable=False)

    def glossary_page(self, lang: str) -> SitePage:
        r = self.readers[lang]
        path = r.link(paths.GLOSSARY)
        script = r.data_script("glossary")
        terms = [(r.zh(t.zh, script), t) for t in self.handbook.terms]
        body = self._render("glossary.html", path, lang, terms=terms)
        # Not searched: one long table would top every result list with a wall of terms.
        return SitePage(path, lang, r.t("glossary.title"), body, searchable=False)

    # Fragments for hand-written pages

    def fragment(self, name: str, lang: str, path: str) -> str | None:
        """HTML for a marker `<!-- rulebook:NAME -->` in a hand-written page, or None for an unknown name."""
        r = self.readers[lang]
        if name == "policies":
            cards = [(p, self._meta(p, r), sum(q.value is None for q in p.parameters)) for p in ordered_policies(self.handbook)]
            return self._render("policy-list.html", path, lang, cards=cards)
        if name == "downloads":
            rows = [(p, self._posters(p, r), self._checklists(p, r)) for p in ordered_policies(self.handbook)]
            return self._render("downloads.html", path, lang, rows=[row for row in rows if row[1] or row[2]])
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
        entries = [NavEntry(r.t("nav.home"), r.link(paths.HOME)), NavEntry(r.t("nav.policies"), children=policies),
                   NavEntry(r.t("nav.find"), children=find)]
        if help_pages:
            entries.append(NavEntry(r.t("nav.help"), children=[NavEntry("", p) for p in help_pages]))
        return entries

    def language_name(self, lang: str) -> str:
        return self.registry[lang].name

    # Parts shared by several pages

    def _meta(self, policy: m.Policy, r: Reader) -> dict:
        return {
            "title": r.policy_title(policy), "type": r.t(f"policy.{policy.type}"), "owner": r.role_link(policy.owner),
            "approver": r.role_link(policy.approver), "version": policy.version, "effective": r.date(policy.effective),
            "next_review": r.date(policy.next_review), "overdue": policy.next_review < self.today,
            "source": r.zh(policy.source_title, policy.script) if policy.source_title else "",
            "source_file": policy.source, "truncated": policy.truncated,
            "note": r.text(policy.provenance_note, policy.script), "clauses": sum(1 for _ in policy.walk()),
            "path": r.link(paths.policy(policy.id)), "parallel": r.link(paths.parallel(policy.id)),
        }

    def _blanks(self, policy: m.Policy, r: Reader) -> list[tuple[str, str, list[str]]]:
        """Clauses with unfilled parameters, in reading order: (clause id, clause name, blank labels)."""
        unfilled = {p.id: r.text(p.label, policy.script) for p in policy.parameters if p.value is None}
        out = []
        for clause in policy.walk():
            names = [n for t in (clause.title, clause.text) if t for n in m.PARAMETER.findall(t.zh) if n in unfilled]
            if names:
                out.append((clause.id, r.clause_name(clause, full=True), [unfilled[n] for n in names]))
        return out

    def _notes(self, policy: m.Policy, r: Reader) -> list[tuple]:
        return [
            (n.clause, r.clause_name(policy.clause(n.clause), full=True) if policy.clause(n.clause) else n.clause)
            for n in policy.editorial_notes
        ]

    def _posters(self, policy: m.Policy, r: Reader) -> list[tuple[str, list, str, str]]:
        """(title, files, clause its QR code opens, check code of the sheet in r's language) per poster; each file is
        (language name, path, language code, the sheet's check code), so a reader can compare it with the wall."""
        posters = []
        if not self.downloads.posters:
            return posters
        for poster in policy.posters:
            title = r.text(poster.title, policy.script) if poster.title else r.policy_title(policy)
            files = [(lang.name, paths.poster_file(policy.id, poster.id, lang.code), lang.code,
                      self._check_code(policy, poster, lang.code)) for lang in self.registry]
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

    def _checklists(self, policy: m.Policy, r: Reader) -> list[tuple[str, str, list]]:
        out = []
        for checklist in policy.checklists:
            files = [(ext.upper(), paths.checklist_file(policy.id, checklist.id, ext)) for ext in ("pdf", "csv", "json")]
            out.append((r.text(checklist.title, policy.script), r.link(paths.checklist_page(policy.id, checklist.id)),
                        files if self.downloads.checklists else []))
        return out
