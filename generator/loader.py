"""Turns the project's YAML files into a Handbook: parse with positions, check each file's schema, build the model.

Files that fail to parse or fail their schema are reported and left out of the model, so later rules see only sound data.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from generator import languages
from generator import model as m
from generator.findings import Finding, finding
from generator.project import Project
from generator.schema import validate
from generator.source import Document, load_document

HANDBOOK_FILES = ("roles", "glossary", "requirements", "external")


def policy_files(paths: list[Path]) -> list[Path]:
    """The policy files named by paths (files, or folders whose *.yaml files are read; handbook/ is not a policy)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir() and not path.is_symlink():
            # Symlinks are listed too, so that reading them reports them instead of passing over them in silence.
            found += sorted(p for p in path.glob("*.yaml") if p.is_symlink() or p.is_file())
        else:
            found.append(path)
    return found


def _clause(data: dict, at: tuple, level: int, parent, policy: m.Policy) -> m.Clause:
    clause = m.Clause(
        id=data["id"],
        number=data.get("number"),
        style=data.get("style"),
        kind=data.get("kind"),
        title=m.Text.of(data.get("title")),
        text=m.Text.of(data.get("text")),
        applies_to=list(data.get("applies_to", [])),
        topics=list(data.get("topics", [])),
        refs=list(data.get("refs", [])),
        checks=[],
        clauses=[],
        level=level,
        parent=parent,
        policy=policy,
        at=at,
        inserted=data.get("inserted"),
        changed=data.get("changed"),
    )
    clause.checks = [
        m.Check(
            c["id"],
            m.Text.required(c["do"]),
            c["role"],
            c["frequency"],
            m.Text.of(c.get("evidence")),
            clause,
            at + ("checks", i),
            m.Addition(c["addition"]["owner"], m.Text.required(c["addition"]["reason"])) if "addition" in c else None,
        )
        for i, c in enumerate(data.get("checks", []))
    ]
    clause.clauses = [
        _clause(child, at + ("clauses", i), level + 1, clause, policy)
        for i, child in enumerate(data.get("clauses", []))
    ]
    return clause


def build_policy(doc: Document) -> m.Policy:
    d = doc.data
    prov, review = d["provenance"], d["review"]
    policy = m.Policy(
        id=d["id"],
        type=d["type"],
        title=m.Text.required(d["title"]),
        script=d["script"],
        version=d["version"],
        effective=date.fromisoformat(d["effective"]),
        owner=d["owner"],
        approver=d["approver"],
        review_interval_months=review.get("interval_months"),
        review_next=date.fromisoformat(review["next"]) if "next" in review else None,
        source=prov["source"],
        source_title=prov.get("source_title"),
        truncated=prov["truncated"],
        provenance_note=m.Text.of(prov.get("note")),
        parameters=[
            m.Parameter(
                p["id"],
                m.Text.required(p["label"]),
                m.Text.of(p.get("value")),
                ("parameters", i),
                p.get("changed"),
                (p.get("source_label") or {}).get("shown"),
                m.Text.of((p.get("source_label") or {}).get("reason")),
            )
            for i, p in enumerate(d.get("parameters", []))
        ],
        editorial_notes=[
            m.EditorialNote(
                n["clause"],
                n.get("original", ""),
                n.get("restored", ""),
                m.Text.required(n["reason"]),
                ("editorial_notes", i),
                n.get("kind", "repair"),
            )
            for i, n in enumerate(d.get("editorial_notes", []))
        ],
        retired_ids=list(d.get("retired_ids", [])),
        posters=[
            m.Poster(p["id"], m.Text.of(p.get("title")), list(p["clauses"]), ("posters", i))
            for i, p in enumerate(d.get("posters", []))
        ],
        checklists=[
            m.Checklist(
                c["id"],
                m.Text.required(c["title"]),
                m.Text.of(c.get("event")),
                c.get("role"),
                c.get("frequency"),
                list(c["items"]),
                [
                    m.ChecklistField(f["id"], m.Text.required(f["label"]), f.get("type", "text"))
                    for f in c.get("fields", [])
                ],
                ("checklists", i),
            )
            for i, c in enumerate(d.get("checklists", []))
        ],
        clauses=[],
        path=doc.path,
        smap=doc.source,
        data=d,
        status=d.get("status", "in-force"),
        history=[
            m.HistoryEntry(
                h["version"], date.fromisoformat(h["effective"]), m.Text.required(h["summary"]), ("history", i)
            )
            for i, h in enumerate(d.get("history", []))
        ],
    )
    policy.clauses = [_clause(c, ("clauses", i), 1, None, policy) for i, c in enumerate(d["clauses"])]
    return policy


def load_valid(
    path: Path,
    schema: str,
    findings: list[Finding],
    text: str | None = None,
    registry: languages.Registry | None = None,
) -> Document | None:
    """The document at path (or text, read from there) if it parses and fits its schema (its texts in the registry's
    languages); what is wrong goes to findings."""
    doc, problems = load_document(path, text)
    findings += problems
    if doc is None:
        return None
    if not isinstance(doc.data, dict):
        findings.append(
            finding(doc.source.at(), "E010", f"the file should hold a mapping of keys, not {type(doc.data).__name__}")
        )
        return None
    problems = validate(doc, schema, registry)
    if not problems and schema == "policy":
        problems = impossible_dates(doc)
    findings += problems
    return None if problems else doc


def impossible_dates(doc: Document) -> list[Finding]:
    """Dates the schema's pattern lets through but the calendar does not (2026-02-30, 0000-01-01), and a review
    that would fall after the year 9999."""
    out = []
    for at in (("effective",), ("review", "next")):
        value = doc.data.get(at[0]) if len(at) == 1 else doc.data.get("review", {}).get(at[1])
        if value is None:
            continue
        try:
            date.fromisoformat(value)
        except ValueError as exc:
            out.append(
                finding(doc.source.at(at), "E010", f"{'.'.join(at)}: '{value}' is not a date of the calendar ({exc})")
            )
    if not out and "next" not in doc.data["review"]:
        effective = date.fromisoformat(doc.data["effective"])
        months = effective.month - 1 + (doc.data["review"].get("interval_months") or 12)
        if effective.year + months // 12 > date.max.year:
            out.append(
                finding(
                    doc.source.at(("review",)),
                    "E010",
                    f"the next review would fall after the year {date.max.year}",
                    "Set review.next to a date, or an earlier effective date.",
                )
            )
    return out


def _duplicate_ids(doc: Document, key: str | None) -> list[Finding]:
    seen: set[str] = set()
    out = []
    for i, entry in enumerate(doc.data.get(key, []) if key else []):
        if entry["id"] in seen:
            out.append(
                finding(doc.source.at((key, i, "id")), "E021", f"id '{entry['id']}' is declared twice in this file")
            )
        seen.add(entry["id"])
    return out


def load_languages(project: Project, findings: list[Finding]) -> languages.Registry:
    """The project's language registry (policies/handbook/languages.yaml), or the generator's default when the project
    declares none or its file is broken (reported in findings)."""
    path = project.handbook_data / languages.FILE_NAME
    if not path.exists():
        return languages.default()
    doc = load_valid(path, "languages", findings)
    if doc is None:
        return languages.default()
    problems = languages.problems(doc.data)
    findings += [finding(doc.source.at(at), "E023", message) for at, message in problems]
    return languages.default() if problems else languages.from_data(doc.data, path)


def load_handbook_data(project: Project, handbook: m.Handbook, findings: list[Finding]) -> None:
    handbook.languages = load_languages(project, findings)
    for name in HANDBOOK_FILES:
        path = project.handbook_data / f"{name}.yaml"
        if project.handbook_data.is_symlink() or not (path.exists() or path.is_symlink()):
            continue
        doc = load_valid(path, name, findings, registry=handbook.languages)
        if doc is None:
            continue
        d = doc.data
        handbook.data[name] = m.HandbookData(d["script"], doc.source)
        findings += _duplicate_ids(doc, {"roles": "roles", "requirements": "topics", "external": "documents"}.get(name))
        if name == "roles":
            for i, r in enumerate(d["roles"]):
                handbook.roles.setdefault(
                    r["id"],
                    m.Role(
                        r["id"],
                        r["kind"],
                        m.Text.required(r["name"]),
                        r.get("part_of"),
                        ("roles", i),
                        list(r.get("reviewers", [])),
                        bool(r.get("everyone")),
                    ),
                )
        elif name == "glossary":
            handbook.terms = [
                m.Term(
                    t["zh"],
                    t["en"],
                    list(t.get("accept", [])),
                    t.get("note"),
                    ("terms", i),
                    list(t.get("exclude", [])),
                    list(t.get("search", [])),
                )
                for i, t in enumerate(d["terms"])
            ]
        elif name == "requirements":
            handbook.required_clauses = [
                m.RequiredClause(
                    r["kind"], m.Text.required(r["name"]), list(r["policy_types"]), ("required_clauses", i)
                )
                for i, r in enumerate(d["required_clauses"])
            ]
            for i, t in enumerate(d["topics"]):
                handbook.topics.setdefault(
                    t["id"], m.Topic(t["id"], m.Text.required(t["name"]), t.get("source"), ("topics", i))
                )
        elif name == "external":
            for i, e in enumerate(d["documents"]):
                handbook.external.setdefault(
                    e["id"], m.ExternalDocument(e["id"], m.Text.required(e["name"]), e.get("url"), ("documents", i))
                )


def load(project: Project, paths: list[Path] | None = None) -> tuple[m.Handbook, list[Finding], list[Path]]:
    """Load the handbook. paths narrows which policy files are read (default: all of policies/).

    Returns the handbook of sound files, the findings so far, and the policy files that could not be loaded.
    """
    findings: list[Finding] = []
    handbook = m.Handbook(project.root)
    load_handbook_data(project, handbook, findings)
    broken: list[Path] = []
    for path in policy_files(paths or [project.policies]):
        doc = load_valid(path, "policy", findings, registry=handbook.languages)
        if doc is None:
            broken.append(path)
            continue
        policy = build_policy(doc)
        if policy.id in handbook.policies:
            first = handbook.policies[policy.id].path
            findings.append(
                finding(policy.pos(("id",)), "E021", f"policy id '{policy.id}' is already used by {first.name}")
            )
            continue
        handbook.policies[policy.id] = policy
    handbook.unloaded = {path.stem for path in broken}
    return handbook, findings, broken
