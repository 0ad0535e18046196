"""Every text of a policy (a mapping of the Chinese and its translations) found in its raw data, with its path there.

Several rules of a check read every text of every policy: each policy's texts are found once, until forget()."""

from __future__ import annotations

from generator.fingerprint import text_keys
from generator.languages import SOURCE, Registry

# (path in the data, the text with every text key of the registry (empty where it has none), the text as written)
Found = tuple[tuple, dict[str, str], dict[str, str]]

_found: dict[int, tuple[object, list[Found]]] = {}


def texts(data, registry: Registry) -> list[Found]:
    """The texts in data, in the file's order; found once per data object until forget()."""
    known = _found.get(id(data))
    if known is not None and known[0] is data:
        return known[1]
    found = _walk(data, registry)
    _found[id(data)] = (data, found)
    return found


def forget() -> None:
    """Drop what was found (a check is over; the data may change or be freed and its id reused)."""
    _found.clear()


def _walk(data, registry: Registry) -> list[Found]:
    order = registry.text_keys
    keys = frozenset(text_keys(registry))  # translations' fingerprints (en_of) belong to a text too
    found: list[Found] = []
    # A stack rather than nested generators, which pass every text up through each level of a deep clause tree.
    stack: list[tuple[tuple, object]] = [((), data)]
    while stack:
        at, value = stack.pop()
        if isinstance(value, dict):
            if SOURCE in value and keys.issuperset(value) and all(isinstance(v, str) for v in value.values()):
                found.append((at, {key: value.get(key, "") for key in order}, value))
                continue
            stack.extend(
                (at + (key,), child) for key, child in reversed(value.items()) if isinstance(child, (dict, list))
            )
        elif isinstance(value, list):
            stack.extend(
                (at + (i,), child) for i, child in reversed(list(enumerate(value))) if isinstance(child, (dict, list))
            )
    return found
