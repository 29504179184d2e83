"""docs/getting-started.md, followed as written: the files it shows are written, its
edits made, and every `crossmap` command it shows runs and prints the lines shown."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from crossmap.cli import main

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "getting-started.md"
_BLOCK = re.compile(r"```[a-z]*\n(.*?)```", re.DOTALL)


def steps() -> list[tuple[str, str, str]]:
    """(kind, argument, text) in order: file/append (path, content), edit (path,
    'old => new'), command (argv, expected output)."""
    text = GUIDE.read_text(encoding="utf-8")
    found: list[tuple[int, tuple[str, str, str]]] = []
    for marker in re.finditer(r"<!-- (file|append): (\S+) -->\n", text):
        block = _BLOCK.match(text, marker.end())
        assert block is not None, f"no block after {marker.group(0)!r}"
        found.append((marker.start(), (marker.group(1), marker.group(2), block.group(1))))
    for marker in re.finditer(r"<!-- edit: (\S+): (.*?) -->", text):
        found.append((marker.start(), ("edit", marker.group(1), marker.group(2))))
    for block in re.finditer(r"```console\n(.*?)```", text, re.DOTALL):
        lines = block.group(1).splitlines()
        assert lines[0].startswith("$ crossmap "), lines[0]
        found.append((block.start(), ("command", lines[0][len("$ crossmap "):], "\n".join(lines[1:]))))
    return [step for _, step in sorted(found)]


def test_the_guide_runs_as_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    commands = 0
    for kind, argument, text in steps():
        if kind in ("file", "append"):
            path = tmp_path / argument
            path.parent.mkdir(parents=True, exist_ok=True)
            before = path.read_text(encoding="utf-8") + "\n" if kind == "append" else ""
            path.write_text(before + text, encoding="utf-8")
        elif kind == "edit":
            old, new = (part.replace("\\n", "\n") for part in text.split(" => "))
            path = tmp_path / argument
            content = path.read_text(encoding="utf-8")
            assert content.count(old) == 1, f"the edit {old!r} does not match once"
            path.write_text(content.replace(old, new), encoding="utf-8")
        else:
            commands += 1
            result = CliRunner().invoke(main, shlex.split(argument))
            actual = {line.strip() for line in result.output.splitlines()}
            missing = [line for line in text.splitlines() if line.strip() not in actual]
            assert not missing, f"$ crossmap {argument}: not printed: {missing}\n{result.output}"
            # The guide shows an error, or failed records, exactly where the command fails.
            expect_failure = bool(re.search(r"error\[|^\s*[1-9][0-9]* x ", text, re.MULTILINE))
            assert (result.exit_code != 0) == expect_failure, result.output
    assert commands == 6
    assert (tmp_path / "out" / "Invoice.jsonl").read_text(encoding="utf-8").count("\n") == 2
