"""The examples in docs/language.md: every ```xmap block parses and is already in
canonical form, and every ```xmap-bad block fails with the diagnostic code named
in the ``<!-- expect XM1NN -->`` comment on the line directly above it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from crossmap.errors import SpecError
from crossmap.syntax import format_spec, parse

ROOT = Path(__file__).resolve().parents[3]
DOC = ROOT / "docs" / "language.md"
SYNTAX = ROOT / "src" / "crossmap" / "syntax"

# Fence tags the document may use; anything else is most likely a typo that would
# silently take an example out of the test.
KNOWN_TAGS = {"xmap", "xmap-bad", "text", "sh"}

_FENCE = re.compile(r"^```(\S*)\s*$")
_EXPECT = re.compile(r"^<!--\s*expect\s+(XM\d{3})\s*-->\s*$")
_CODE = re.compile(r"\bXM\d{3}\b")


class Block:
    def __init__(self, tag: str, line: int, text: str, expect: str | None) -> None:
        self.tag = tag
        self.line = line
        self.text = text
        self.expect = expect

    def __repr__(self) -> str:
        return f"language.md:{self.line}"


def _blocks() -> list[Block]:
    lines = DOC.read_text(encoding="utf-8").split("\n")
    blocks: list[Block] = []
    index = 0
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        if not opening:
            index += 1
            continue
        tag, start = opening.group(1), index
        end = start + 1
        while end < len(lines) and lines[end] != "```":
            end += 1
        assert end < len(lines), f"language.md:{start + 1}: the ``` block is never closed"
        above = _EXPECT.match(lines[start - 1]) if start else None
        text = "".join(line + "\n" for line in lines[start + 1 : end])
        blocks.append(Block(tag, start + 1, text, above.group(1) if above else None))
        index = end + 1
    return blocks


BLOCKS = _blocks()
GOOD = [b for b in BLOCKS if b.tag == "xmap"]
BAD = [b for b in BLOCKS if b.tag == "xmap-bad"]


def test_the_document_has_enough_examples() -> None:
    assert len(GOOD) >= 20
    assert len(BAD) >= 10


def test_every_block_has_a_known_tag() -> None:
    unknown = [f"{b!r}: ```{b.tag}" for b in BLOCKS if b.tag not in KNOWN_TAGS]
    assert not unknown, "untested or mistyped fence tags:\n" + "\n".join(unknown)


def test_expect_comments_sit_above_bad_examples_only() -> None:
    misplaced = [repr(b) for b in BLOCKS if b.expect is not None and b.tag != "xmap-bad"]
    missing = [repr(b) for b in BAD if b.expect is None]
    assert not misplaced, f"an expect comment above a block that is not xmap-bad: {misplaced}"
    assert not missing, f"xmap-bad blocks without <!-- expect XM1NN --> directly above: {missing}"


@pytest.mark.parametrize("block", GOOD, ids=repr)
def test_example_parses(block: Block) -> None:
    try:
        parse(block.text, path=repr(block))
    except SpecError as error:
        pytest.fail(f"the example at {block!r} does not parse:\n{error.render()}")


@pytest.mark.parametrize("block", GOOD, ids=repr)
def test_example_is_canonical(block: Block) -> None:
    assert format_spec(block.text, path=repr(block)) == block.text


@pytest.mark.parametrize("block", BAD, ids=repr)
def test_bad_example_is_reported(block: Block) -> None:
    with pytest.raises(SpecError) as caught:
        parse(block.text, path=repr(block))
    rendered = caught.value.render()
    assert f"[{block.expect}]" in rendered, rendered


def test_every_diagnostic_code_is_documented() -> None:
    used = {
        code
        for path in SYNTAX.glob("*.py")
        for code in _CODE.findall(path.read_text(encoding="utf-8"))
    }
    assert used, "no diagnostic codes found in the syntax package"
    text = DOC.read_text(encoding="utf-8")
    table_rows = {m.group(1) for m in re.finditer(r"^\|\s*(XM\d{3})\s*\|", text, re.MULTILINE)}
    assert not used - table_rows, (
        f"codes used in the code but missing from the table: {sorted(used - table_rows)}"
    )
