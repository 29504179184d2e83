"""Finding connector plugins through entry points.

Built-in connectors are registered in crossmap's own ``pyproject.toml`` exactly as a
third-party plugin registers in its own: ``crossmap.sources`` and
``crossmap.destinations``. An entry point loads a connector factory; offline checks
call its ``static_schema()`` (the schema of the system's standard objects, shipped
with the plugin, so ``crossmap check`` needs no connection), and runs call its
``from_options(options)`` to connect.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from functools import cache
from importlib.metadata import EntryPoint, entry_points
from typing import TYPE_CHECKING, Any, Literal

from crossmap.errors import CrossmapError, did_you_mean

if TYPE_CHECKING:
    from types import TracebackType
from crossmap.schema import Schema

Role = Literal["source", "target"]
GROUPS: dict[Role, str] = {"source": "crossmap.sources", "target": "crossmap.destinations"}


class ConnectorError(CrossmapError):
    """A connector cannot be found, loaded, or asked for what it does not offer."""


def _group(role: str) -> str:
    # Typed str: callers outside mypy's reach pass anything.
    group = {str(k): v for k, v in GROUPS.items()}.get(role)
    if group is None:
        hint = " (a destination connector's role is 'target')" if role == "destination" else ""
        raise ConnectorError(f"unknown connector role {role!r}: the roles are 'source' and 'target'{hint}")
    return group


def _entry_points(role: Role) -> dict[str, EntryPoint]:
    return {ep.name: ep for ep in entry_points(group=_group(role))}


def available(role: Role) -> list[str]:
    """The names of the installed connectors for ``role``."""
    return sorted(_entry_points(role))


@cache
def plugin(role: Role, name: str) -> object:
    """The factory a connector's entry point names, loaded."""
    found = _entry_points(role)
    entry = found.get(name)
    if entry is None:
        kind = "source" if role == "source" else "destination"
        hint = did_you_mean(name, found) or f"installed: {', '.join(sorted(found)) or 'none'}"
        raise ConnectorError(f"no {kind} connector named '{name}' ({hint})")
    try:
        return entry.load()
    except Exception as exc:
        dist = entry.dist.name if entry.dist is not None else "an unknown distribution"
        raise ConnectorError(
            f"the {GROUPS[role]} entry point '{name} = {entry.value}' of {dist} failed to load: "
            f"{type(exc).__name__}: {exc}"
        ) from exc


def static_schema(role: Role, name: str, options: Mapping[str, Any] | None = None) -> Schema:
    """The schema a connector ships for offline checks. A connector whose schema
    depends on its options (a folder of JSON-lines files) takes them as the one
    argument of ``static_schema``."""
    factory = plugin(role, name)
    provide = getattr(factory, "static_schema", None)
    if provide is None:
        raise ConnectorError(f"the '{name}' connector ships no static schema; connect to check against it")
    takes_options = bool(inspect.signature(provide).parameters)
    schema = provide(dict(options or {})) if takes_options else provide()
    if not isinstance(schema, Schema):
        raise ConnectorError(f"the '{name}' connector's static_schema() did not return a crossmap Schema")
    return schema


def open_connector(role: Role, name: str, options: Mapping[str, Any]) -> Any:
    """A connected ``Source`` or ``Destination``: the factory's ``from_options``."""
    factory = plugin(role, name)
    connect = getattr(factory, "from_options", None)
    if connect is None:
        raise ConnectorError(f"the '{name}' connector cannot be opened from options yet")
    return connect(dict(options))


def _plugin_modules() -> list[tuple[str, Role, str, str]]:
    """(module prefix, role, connector name, distribution) of every installed
    connector, longest prefix first. A plugin package is its top-level package; a
    connector inside crossmap itself is its own module."""
    found = []
    for role in GROUPS:
        for entry in _entry_points(role).values():
            module = entry.value.partition(":")[0].strip()
            prefix = module if module.startswith("crossmap.") else module.partition(".")[0]
            dist = entry.dist.name if entry.dist is not None else "an unknown distribution"
            found.append((prefix, role, entry.name, dist))
    return sorted(found, key=lambda item: len(item[0]), reverse=True)


def plugin_in_traceback(traceback: TracebackType | None) -> tuple[Role, str, str] | None:
    """The connector (role, name, distribution) whose code raised, found by the
    innermost frame of the traceback that is a connector's; ``None`` if the error
    did not come from a connector."""
    frames = []
    while traceback is not None:
        frames.append(str(traceback.tb_frame.f_globals.get("__name__", "")))
        traceback = traceback.tb_next
    plugins = _plugin_modules()
    for module in reversed(frames):
        for prefix, role, name, dist in plugins:
            if module == prefix or module.startswith(prefix + "."):
                return role, name, dist
    return None
