"""Where every page and file of the handbook site lives, and how one page links to another.

Paths are relative to the site root with a trailing slash ("policies/x/"); links between pages are relative, so the
site works under any sub-path of an intranet server.
"""

from __future__ import annotations

import posixpath

LANGUAGES = ("zh-Hant", "zh-Hans", "en")
DEFAULT_LANGUAGE = "zh-Hant"


def prefix(lang: str) -> str:
    """The folder a language's pages live in: the default language at the root, the others under their code."""
    return "" if lang == DEFAULT_LANGUAGE else f"{lang}/"


def in_language(path: str, lang: str) -> str:
    return prefix(lang) + path


def split_language(path: str) -> tuple[str, str]:
    """(lang, language-neutral path) of a site path."""
    for lang in LANGUAGES:
        if lang != DEFAULT_LANGUAGE and (path == lang or path.startswith(f"{lang}/")):
            return lang, path[len(lang) + 1:]
    return DEFAULT_LANGUAGE, path


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


def role(role_id: str) -> str:
    return f"roles/{role_id}/"


def checklist_page(policy_id: str, checklist_id: str) -> str:
    return f"checklists/{policy_id}/{checklist_id}/"


def poster_file(policy_id: str, poster_id: str, lang: str) -> str:
    """Written by the poster renderer; one PDF per reading language, shared by all language versions of the site."""
    return f"posters/{policy_id}/{poster_id}-{lang}.pdf"


def checklist_folder(policy_id: str) -> str:
    """Where the checklist renderer writes a policy's checklist files (beside the checklists' pages)."""
    return f"checklists/{policy_id}/"


def checklist_file(policy_id: str, checklist_id: str, ext: str) -> str:
    return f"{checklist_folder(policy_id)}{checklist_id}.{ext}"


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
