"""The handbook's configuration, read in one place: the site settings the handbook needs (site_url, site_name) from
the site's configuration file, the languages from the registry, and the interface words from templates/words.yaml.

Renderers ask here and never read a site generator's file themselves, so replacing the generator changes this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from generator.localise import Catalogue, Localisers
from generator.model import Handbook
from generator.project import Project

SITE_FILE = "mkdocs.yml"
NO_SITE_URL = (
    f"{SITE_FILE} has no site_url, so the posters carry no QR code; add "
    f"`site_url: https://<where the handbook is published>/` to {SITE_FILE} to print one"
)


# Hosts reserved for examples (RFC 2606, RFC 6761): a QR code to one of them opens nothing.
PLACEHOLDER_DOMAINS = ("example.com", "example.net", "example.org", "example", "invalid")


class ConfigError(Exception):
    """The configuration cannot be read, or says something impossible; the message names the file and key."""


class _IgnoreTags(yaml.SafeLoader):
    """Reads the site file without running its !!python/name and !ENV tags: they become None."""


_IgnoreTags.add_multi_constructor("", lambda loader, suffix, node: None)


@dataclass(frozen=True)
class SiteConfig:
    site_url: str | None  # where the handbook is published: the base of the posters' QR codes
    site_name: str | None
    path: Path

    @property
    def placeholder(self) -> bool:
        """Whether site_url is an example address, such as the https://handbook.example.com/ a new project starts with."""
        host = (urlsplit(self.site_url).hostname or "").rstrip(".").lower() if self.site_url else ""
        return any(host == domain or host.endswith("." + domain) for domain in PLACEHOLDER_DOMAINS)

    def placeholder_warning(self) -> str | None:
        """What to tell whoever builds or prints with an example site_url; None when the address is a real one."""
        if not self.placeholder:
            return None
        return (
            f"{self.path.name}: site_url is the placeholder {self.site_url}, so every poster's and handbook PDF's QR "
            f"code opens a page that does not exist. Set the key `site_url` in {self.path.name} to the address where "
            "your intranet serves the handbook, then build again"
        )

    def require_real_site_url(self, printed: str = "poster") -> None:
        """Raise ConfigError when site_url is a placeholder: sheets printed with it would carry dead QR codes."""
        warning = self.placeholder_warning()
        if warning:
            raise ConfigError(f"{warning}. No {printed} was printed.")


def load(project: Project) -> SiteConfig:
    path = project.root / SITE_FILE
    if not path.is_file():
        return SiteConfig(None, None, path)
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_IgnoreTags)
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{project.relative(path)}: cannot be read ({exc})") from None
    data = data if isinstance(data, dict) else {}
    url = data.get("site_url") or None
    if url is not None and urlsplit(str(url)).scheme not in ("http", "https"):
        raise ConfigError(
            f"{project.relative(path)}: site_url '{url}' is not an http(s) address; "
            "set it to where the handbook is published, e.g. https://handbook.example.com/"
        )
    name = data.get("site_name")
    return SiteConfig(str(url) if url else None, str(name) if name else None, path)


def localisers(project: Project, handbook: Handbook) -> Localisers:
    """A Localiser for every language of the handbook, with the project's interface words."""
    words = f"{project.relative(project.templates)}/words.yaml"
    try:
        return Localisers(handbook.languages, Catalogue.load(project.templates))
    except FileNotFoundError:
        raise ConfigError(
            f"{words} is missing: the interface words every page, poster and checklist shows are kept there; "
            "restore it from git (git checkout -- templates/words.yaml)"
        ) from None
    except yaml.MarkedYAMLError as exc:
        where = f":{exc.problem_mark.line + 1}:{exc.problem_mark.column + 1}" if exc.problem_mark else ""
        raise ConfigError(f"{words}{where}: not valid YAML ({exc.problem or exc.context})") from None
    except (OSError, ValueError, yaml.YAMLError) as exc:
        raise ConfigError(f"{words} cannot be read: {exc}") from None
