"""A spec's two systems: the spec compiled against the schemas its connectors ship
(``compile_offline``, no connection) and, once connected, against the live ones
(``open_systems``). The CLI, the demo and the workflow commands open systems
through here, so every command sees a spec the same way."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from attrs import frozen

from crossmap.compiler import CompileResult, Plan, compile_spec
from crossmap.connectors import ConnectorError, open_connector, static_schema
from crossmap.connectors.protocols import Closeable, capability
from crossmap.errors import CrossmapError, Diagnostic, SpecError
from crossmap.functions import registry
from crossmap.syntax import ast, load

__all__ = ["SANDBOX_OPTION", "Systems", "close", "closing", "compile_offline", "connector_options",
           "open_systems", "sandbox_of"]

SANDBOX_OPTION = "sandbox"
"""The target option naming the profile of the sandbox org (``crossmap sample``):
crossmap's option, not the connector's."""


def compile_offline(spec: ast.Spec) -> CompileResult:
    """Compile against the schemas the spec's connectors ship (no connection).
    Relative paths in the connectors' options are relative to the spec's folder."""
    source = spec.connector("source")
    target = spec.connector("target")
    if source is None or target is None:
        missing = "source" if source is None else "target"
        raise SpecError([Diagnostic("XM201", f"the spec does not say its {missing}", spec.span,
                                    f"add `{missing} <connector>`")])
    try:
        source_schema = static_schema("source", source.name, connector_options(source))
    except ConnectorError as error:
        raise SpecError([Diagnostic("XM200", str(error), source.span)]) from None
    try:
        target_schema = static_schema("target", target.name, connector_options(target))
    except ConnectorError as error:
        raise SpecError([Diagnostic("XM200", str(error), target.span)]) from None
    return compile_spec(spec, source_schema=source_schema, target_schema=target_schema, functions=registry())


def connector_options(connector: ast.Connector) -> dict[str, object]:
    """A connector's literal options (the compiler reports any other kind), with
    ``spec_dir``: the folder of the spec, against which relative paths resolve."""
    spec_dir = str(Path(connector.span.file).resolve().parent) if not connector.span.file.startswith("<") else "."
    # `sandbox` names the profile `crossmap sample` loads into: crossmap's option,
    # not the connector's (which would refuse a key it does not know).
    return {"spec_dir": spec_dir, **{o.name: o.value.value for o in connector.options
                                      if isinstance(o.value, ast.Literal) and o.name != SANDBOX_OPTION}}


@frozen
class Systems:
    """A spec compiled and its connectors open: ``plan`` is compiled against the live
    schemas, ``offline`` against the connectors' shipped ones (the same wherever it
    runs: the version an approval is for)."""

    plan: Plan
    offline: Plan
    source: Any
    destination: Any
    diagnostics: list[Diagnostic]


def open_systems(spec: Path, *, source_too: bool = True, target_profile: str | None = None,
                 sandbox: bool = False) -> Systems:
    """Compile the spec and open its connectors: the target with ``target_profile``
    instead of the spec's when given, or with ``sandbox`` the profile the target's
    ``sandbox`` option names; raises ``SpecError``/``CrossmapError``.

    Once connected, the spec is compiled again against the live schemas (the
    static ones extended by what the systems describe), so a field the org types
    differently from the shipped schema is caught before any record moves."""
    parsed = load(spec)
    result = compile_offline(parsed)
    if result.plan is None:
        raise SpecError(result.diagnostics)
    offline = result.plan
    source = parsed.connector("source")
    target = parsed.connector("target")
    assert source is not None and target is not None  # compile_offline checked both
    source_options = connector_options(source)
    if sandbox and target_profile is None:
        target_profile = sandbox_of(target)
    target_options = connector_options(target) | ({"profile": target_profile} if target_profile else {})
    opened_source = open_connector("source", source.name, source_options) if source_too else None
    try:
        opened_target = open_connector("target", target.name, target_options)
        if opened_source is not None:
            result = compile_spec(
                parsed,
                source_schema=static_schema("source", source.name, source_options).merged(opened_source.schema()),
                target_schema=static_schema("target", target.name, target_options).merged(opened_target.describe()),
                functions=registry(),
            )
            if result.plan is None:
                close(opened_target)
                raise SpecError(result.diagnostics)
    except BaseException:
        close(opened_source)
        raise
    assert result.plan is not None  # a compile without a plan raised above
    return Systems(result.plan, offline, opened_source, opened_target, result.diagnostics)


def sandbox_of(target: ast.Connector) -> str:
    """The profile a target's ``sandbox`` option names."""
    for option in target.options:
        if option.name == SANDBOX_OPTION and isinstance(option.value, ast.Literal):
            return str(option.value.value)
    raise CrossmapError(f"the target '{target.name}' declares no sandbox: add `{SANDBOX_OPTION} = \"<profile>\"` "
                        "to its block")


def close(connector: Any) -> None:
    """Close a connector that can be closed."""
    closeable = capability(connector, Closeable)
    if closeable is not None:
        closeable.close()


@contextmanager
def closing(*connectors: Any) -> Iterator[None]:
    """Close the connectors that can be closed (a jsonl folder compacts its files)."""
    try:
        yield
    finally:
        for connector in connectors:
            close(connector)
