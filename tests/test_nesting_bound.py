"""The bound on nesting that lets most files skip the event scan before composing: it must never be lower than how
deeply the file really nests (as libyaml's events count it), or a file too deep for the composer would reach it."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.source import MAX_DEPTH, load_document, nesting_bound


def real_depth(text: str) -> int | None:
    """How deeply text's collections nest, from libyaml's events; None when libyaml does not read it."""
    depth = deepest = 0
    try:
        for event in yaml.parse(text, Loader=yaml.CSafeLoader):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                deepest = max(deepest, depth)
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError:
        return None
    return deepest


nested = st.recursive(
    st.one_of(st.integers(), st.text(max_size=4), st.none()),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
    max_leaves=40,
)


@settings(max_examples=300, deadline=None)
@given(nested, st.sampled_from([True, False, None]), st.integers(2, 9))
def test_the_bound_holds_for_whatever_pyyaml_writes(data, flow, indent):
    text = yaml.dump(data, default_flow_style=flow, indent=indent, allow_unicode=True)
    assert real_depth(text) <= nesting_bound(text)


@pytest.mark.parametrize(
    "text",
    [
        "[a: [b: [c: [d: [e: x]]]]]\n",  # a flow pair is a mapping inside the sequence: two levels a bracket
        "a:\n- b:\n  - c:\n    - d:\n      - e: x\n",  # a sequence as a mapping's value, in the mapping's column
        "- - - - - - x\n",
        "? - ? - ? - a\n",
        "a: {b: {c: {d: [x]}}}\n",
    ],
)
def test_the_bound_holds_where_it_is_tightest(text):
    assert real_depth(text) <= nesting_bound(text)


# Pieces of YAML's syntax, joined at random: compact sequences (- - x), explicit keys (? - a), flow pairs ([a: b]),
# properties before collections, indentation of one space. Most joins are not YAML; those that are must obey the bound.
pieces = st.sampled_from(["- ", "? ", ": ", "[", "]", "{", "}", ", ", "a", "b: ", "\n", " ", "  ", "&x ", "!!seq ", "!!map "])


@pytest.mark.slow
@settings(max_examples=3000, deadline=None)
@given(st.lists(pieces, max_size=40))
def test_the_bound_holds_for_any_syntax_libyaml_reads(parts):
    text = "".join(parts)
    depth = real_depth(text)
    if depth is not None:
        assert depth <= nesting_bound(text), text


def test_block_nesting_beyond_the_limit_is_refused_when_the_scan_is_skipped(tmp_path):
    # Sixty levels of mappings, one space deeper each: far within the bound the composer survives, so no event scan.
    text = "".join(" " * i + f"k{i}:\n" for i in range(60)) + " " * 60 + "x\n"
    document, problems = load_document(tmp_path / "deep.yaml", text)
    assert document is None
    assert [(p.code, p.line) for p in problems] == [("E005", MAX_DEPTH + 1)]
    assert f"more than {MAX_DEPTH} levels" in problems[0].message


def test_nesting_at_the_limit_is_read(tmp_path):
    text = "".join("  " * i + "- \n" for i in range(MAX_DEPTH - 1)) + "  " * (MAX_DEPTH - 1) + "- x\n"
    document, problems = load_document(tmp_path / "forty.yaml", text)
    assert problems == [] and document is not None
    value = document.data
    for _ in range(MAX_DEPTH):
        value = value[-1]
    assert value == "x"

