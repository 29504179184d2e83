"""Names written as .xmap text: plain when they can be, backquoted otherwise."""

from __future__ import annotations

import re

from crossmap.syntax.formatter import keywords

_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def writable_name(name: str) -> bool:
    """Can ``name`` appear in a spec at all? (A backquoted name cannot hold a
    backquote or a line break.)"""
    return bool(name) and not any(c in name for c in "`\r\n")


def ref(name: str) -> str:
    """``name`` as spec text: backquoted when it is spelled like a keyword or is not
    a plain name (``first name``, ``label``)."""
    if _PLAIN.fullmatch(name) and name not in keywords():
        return name
    return f"`{name}`"
