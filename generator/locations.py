"""Where every page and printed file of the handbook lives, and how one page links to another: the one home of
output locations, for the site and for the poster and checklist writers alike.

Paths are relative to the output root with a trailing slash for pages ("policies/x/"); links between pages are
relative, so the site works under any sub-path of an intranet server. A language's pages sit under its prefix
(languages.Registry.prefix); printed files are shared by every language version of the site.
"""

from __future__ import annotations

import posixpath


def source_name(path: str) -> str:
    """The Markdown file name a page at path has inside a docs folder: "" → index.md, "a/b/" → a/b.md."""
    return "index.md" if path in ("", "/") else path.rstrip("/") + ".md"


HOME = ""
ROLES = "roles/"
COVERAGE = "coverage/"
GLOSSARY = "glossary/"


def policy(policy_id: str) -> str:
    return f"policies/{policy_id}/"


def parallel(policy_id: str) -> str:
    return f"policies/{policy_id}/parallel/"


def history(policy_id: str) -> str:
    return f"policies/{policy_id}/history/"


def version(policy_id: str, version: str) -> str:
    """An earlier version of a policy, kept at a stable address (point in time)."""
    return f"policies/{policy_id}/versions/{version}/"


def role(role_id: str) -> str:
    return f"roles/{role_id}/"


def checklist_page(policy_id: str, checklist_id: str) -> str:
    return f"checklists/{policy_id}/{checklist_id}/"


POSTERS = "posters/"
CHECKLISTS = "checklists/"


def poster_file(policy_id: str, poster_id: str, lang: str) -> str:
    """One PDF per poster and language (or "bilingual"), shared by all language versions of the site."""
    return f"{POSTERS}{policy_id}/{poster_id}-{lang}.pdf"


def checklist_folder(policy_id: str) -> str:
    """Where the checklist renderer writes a policy's checklist files (beside the checklists' pages)."""
    return f"{CHECKLISTS}{policy_id}/"


def checklist_file(policy_id: str, checklist_id: str, ext: str) -> str:
    """The CSV or JSON of a checklist: every language in one file."""
    return f"{checklist_folder(policy_id)}{checklist_id}.{ext}"


def checklist_pdf(policy_id: str, checklist_id: str, lang: str) -> str:
    """One fillable PDF per checklist and language (or "bilingual"), shared by all language versions of the site."""
    return f"{checklist_folder(policy_id)}{checklist_id}-{lang}.pdf"


ACKNOWLEDGEMENTS = "acknowledgements/"


def acknowledgement_file(policy_id: str, version: str, lang: str) -> str:
    """One fillable read-and-sign form per policy version and language; the file name says all three, so a filled copy
    keeps saying what it acknowledges wherever it is saved."""
    return f"{ACKNOWLEDGEMENTS}{policy_id}/{policy_id}-{version}-{lang}.pdf"


BOOKS = "books/"


def book_file(policy_id: str, lang: str) -> str:
    """A policy as a typeset document, one PDF per language; its clauses are destinations: #<clause-id>."""
    return f"{BOOKS}policies/{policy_id}-{lang}.pdf"


def handbook_file(lang: str) -> str:
    """Every policy in force as one book, per language; its clauses are destinations: #<policy-id>/<clause-id>."""
    return f"{BOOKS}handbook-{lang}.pdf"


def relative(from_page: str, target: str) -> str:
    """A relative link from the page at from_page (a folder path) to target (a path, maybe with #fragment)."""
    path, hash_, fragment = target.partition("#")
    if path == from_page:
        link = "./" if not hash_ else ""
    else:
        link = posixpath.relpath(path or ".", from_page or ".")
        if path.endswith("/") or path == "":
            link = "./" if link == "." else link + "/"
    return link + (f"#{fragment}" if hash_ else "")
