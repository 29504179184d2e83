"""Reading a built-in connector's options: the ``source NAME { key = value }`` block.

Options are plain JSON values from the spec (crossmap adds ``spec_dir``, the folder
of the spec file). Every problem is a ``ConnectorOptionError`` naming the option.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from crossmap.connectors.registry import ConnectorError
from crossmap.schema import Schema, SchemaFormatError, schema_from_dict

# Object names become file names, so they must not reach outside the folder.
_OBJECT_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


class ConnectorOptionError(ConnectorError):
    """A connector option is missing, of the wrong kind, or names a file that is unusable."""


def resolve_path(options: Mapping[str, Any], name: str) -> Path | None:
    """Option ``name`` as a path; a relative one is taken relative to ``spec_dir``
    (the spec's folder) when crossmap gives it, else to the working directory."""
    value = options.get(name)
    if value is None:
        return None
    if not isinstance(value, str | Path) or not str(value):
        raise ConnectorOptionError(f"option '{name}' must be a path (a string), not {value!r}")
    path = Path(value).expanduser()
    spec_dir = options.get("spec_dir")
    if not path.is_absolute() and spec_dir is not None:
        path = Path(spec_dir) / path
    return path


def require_path(options: Mapping[str, Any], name: str, connector: str) -> Path:
    """Like ``resolve_path``, but the option must be given."""
    path = resolve_path(options, name)
    if path is None:
        raise ConnectorOptionError(f"the '{connector}' connector needs the option '{name}' (a folder)")
    return path


def int_option(options: Mapping[str, Any], name: str, default: int, *, minimum: int = 1) -> int:
    """A whole-number option of at least ``minimum``."""
    value = options.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ConnectorOptionError(f"option '{name}' must be a whole number >= {minimum}, not {value!r}")
    return value


def str_option(options: Mapping[str, Any], name: str, default: str) -> str:
    """A non-empty string option."""
    value = options.get(name, default)
    if not isinstance(value, str) or not value:
        raise ConnectorOptionError(f"option '{name}' must be a non-empty string, not {value!r}")
    return value


def object_keys(options: Mapping[str, Any]) -> dict[str, str]:
    """Per-object key fields from ``key_<object> = "field"`` options."""
    keys: dict[str, str] = {}
    for name, value in options.items():
        if name.startswith("key_") and len(name) > 4:
            if not isinstance(value, str) or not value:
                raise ConnectorOptionError(f"option '{name}' must name a field, not {value!r}")
            keys[name[4:]] = value
    return keys


def check_object_name(name: str) -> str:
    """``name`` if it can safely be a file name in the connector's folder."""
    if not _OBJECT_NAME.match(name):
        raise ConnectorError(
            f"object name {name!r} cannot be a file name: use letters, digits and '_'"
        )
    return name


def load_schema_file(path: Path) -> Schema:
    """The schema in a JSON file written in ``schema_to_dict``'s format."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConnectorOptionError(f"cannot read the schema file {path}: {error.strerror or error}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ConnectorOptionError(
            f"{path}:{error.lineno}:{error.colno}: the schema file is not JSON: {error.msg}"
        ) from None
    try:
        return schema_from_dict(data)
    except SchemaFormatError as error:
        raise ConnectorOptionError(f"{path}: {error}") from None
