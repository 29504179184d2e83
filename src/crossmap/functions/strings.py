"""Text functions. Each takes a non-null string (null in, null out is the
compiler's job) except ``nonblank``, which exists to see blanks and nulls."""

from __future__ import annotations

import mimetypes
import re
from pathlib import PurePosixPath

from crossmap.functions.conversions import to_string
from crossmap.functions.errors import ConversionError

_NOT_DIGIT = re.compile(r"[^0-9]+")

# Patterns usually come from spec literals, so the same few recur on every record;
# a dict read beats re's own cache lookup (which hashes the flags too).
_PATTERNS: dict[str, re.Pattern[str]] = {}
_MAX_PATTERNS = 256


def _compiled(pattern: str) -> re.Pattern[str]:
    found = _PATTERNS.get(pattern)
    if found is not None:
        return found
    try:
        found = re.compile(pattern)
    except re.error as exc:
        raise ConversionError(f"{pattern!r} is not a valid regular expression: {exc}") from None
    if len(_PATTERNS) >= _MAX_PATTERNS:
        # Patterns taken from record data could grow the cache without bound.
        _PATTERNS.clear()
    _PATTERNS[pattern] = found
    return found


def trim(value: str) -> str:
    """The value without leading and trailing whitespace."""
    return value.strip()


def lower(value: str) -> str:
    """The value in lower case."""
    return value.lower()


def upper(value: str) -> str:
    """The value in upper case."""
    return value.upper()


def title(value: str) -> str:
    """Words with their first letter upper case and the rest lower case.

    Underscores count as spaces and runs of spaces collapse, so enum-like codes become
    picklist labels: ``en_route`` -> ``En Route``. Only whitespace separates words:
    ``o'brien`` -> ``O'brien`` and ``mcdonald`` -> ``Mcdonald`` (names need a value
    map, not a rule).
    """
    return " ".join(word.capitalize() for word in value.replace("_", " ").split())


def capitalize(value: str) -> str:
    """The first character upper case, the rest lower case: ``hELLO`` -> ``Hello``."""
    return value.capitalize()


def upper_first(value: str) -> str:
    """The first character upper case, the rest unchanged: ``cod`` -> ``Cod``,
    ``eMail`` -> ``EMail``."""
    return value[:1].upper() + value[1:]


def truncate(value: str, length: int) -> str:
    """At most ``length`` characters of the value, from its start."""
    if length < 0:
        raise ConversionError(f"truncate length must be 0 or more, not {length}")
    return value[:length]


def substring(value: str, start: int, length: int) -> str:
    """``length`` characters from position ``start`` (0 is the first character);
    shorter, possibly empty, when the value ends first."""
    if start < 0 or length < 0:
        raise ConversionError(
            f"substring start and length must be 0 or more, not {start} and {length}"
        )
    return value[start : start + length]


def replace(value: str, old: str, new: str) -> str:
    """The value with every occurrence of ``old`` replaced by ``new``."""
    if not old:
        raise ConversionError("replace needs a non-empty text to replace")
    return value.replace(old, new)


def regex_replace(value: str, pattern: str, replacement: str) -> str:
    """The value with every match of the regular expression ``pattern`` (Python
    syntax) replaced by ``replacement``, in which ``\\1`` or ``\\g<name>`` insert
    groups."""
    try:
        return _compiled(pattern).sub(replacement, value)
    except re.error as exc:
        raise ConversionError(f"{replacement!r} is not a valid replacement: {exc}") from None


def matches(value: str, pattern: str) -> bool:
    """Whether the regular expression ``pattern`` matches anywhere in the value;
    anchor it (``^...$``) to match the whole value."""
    return _compiled(pattern).search(value) is not None


def split(value: str, separator: str) -> list[str]:
    """The parts of the value between separators; an empty value has no parts."""
    if not separator:
        raise ConversionError("split needs a non-empty separator")
    if not value:
        return []
    return value.split(separator)


def join(values: list[object], separator: str) -> str:
    """The elements as text (see ``to_string``) with ``separator`` between them;
    null elements are left out."""
    return separator.join(
        value if type(value) is str else to_string(value) for value in values if value is not None
    )


def nonblank(value: str | None) -> str | None:
    """The value unchanged, or null when it is null, empty or only whitespace."""
    if value is None or not value or value.isspace():
        return None
    return value


def pad_left(value: str, length: int, fill: str = "0") -> str:
    """The value with ``fill`` added in front until it is ``length`` characters long;
    longer values are returned unchanged: ``pad_left("42", 5)`` -> ``00042``."""
    if len(fill) != 1:
        raise ConversionError(f"pad_left fill must be exactly one character, not {fill!r}")
    return value.rjust(length, fill)


def digits(value: str) -> str:
    """Only the ASCII digits of the value, e.g. for phone numbers:
    ``(555) 010-2030`` -> ``5550102030``."""
    return _NOT_DIGIT.sub("", value)


def with_extension(name: str, mime_type: str | None) -> str:
    """The file name, with the usual extension of its MIME type added when it has
    none, so the destination can tell the file's type from its name:
    ``with_extension("site plan", "application/pdf")`` -> ``site plan.pdf``. A name
    with an extension, or a type without a known one, is returned unchanged."""
    if PurePosixPath(name).suffix or not mime_type:
        return name
    extension = mimetypes.guess_extension(mime_type.split(";")[0].strip().lower(), strict=False)
    return name + extension if extension else name


def length(value: str) -> int:
    """The number of characters in the value."""
    return len(value)
