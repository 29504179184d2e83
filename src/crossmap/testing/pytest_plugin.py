"""A pytest plugin running the ``test`` blocks of ``.xmap`` specs as pytest items.

Registered through the ``pytest11`` entry point, so ``pytest specs/`` runs every spec
test beside the project's Python tests. Each ``test`` block is one item, named by
the block; a failure shows the field-level diff and the spec file and line.

Which ``.xmap`` files are collected: those named on the command line, and those
under a *spec folder*. The spec folders are listed by the ini option ``xmap_specs``
(paths relative to the ini file, else the rootdir; ``specs`` by default). A
project's test fixtures — deliberately broken specs, say — are therefore never
collected by a plain ``pytest`` run. A file without ``test`` blocks (an included
fragment of value maps) gives no items and is not compiled.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from crossmap import schema
from crossmap.compiler.plan import Plan, SpecTest
from crossmap.connectors import ConnectorError, static_schema
from crossmap.errors import SpecError, SpecFileError
from crossmap.spectest import SpecTestResult, run_spec_test
from crossmap.syntax import ast, load

INI_OPTION = "xmap_specs"


def pytest_addoption(parser: pytest.Parser) -> None:
    """Declare the ``xmap_specs`` ini option."""
    parser.addini(
        INI_OPTION,
        type="linelist",
        default=["specs"],
        help="folders whose .xmap spec tests pytest collects (relative to the ini file; default: specs)",
    )


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> XmapFile | None:
    """Collect a ``.xmap`` file named on the command line or under a spec folder."""
    if file_path.suffix != ".xmap" or not _selected(file_path, parent.config):
        return None
    return XmapFile.from_parent(parent, path=file_path)


def _selected(file_path: Path, config: pytest.Config) -> bool:
    path = file_path.resolve()
    invoked = config.invocation_params.dir
    for arg in config.invocation_params.args:
        # An argument may carry a node-id suffix ("spec.xmap::name").
        candidate = (invoked / str(arg).split("::", 1)[0]).resolve()
        if candidate == path:
            return True
    base = config.inipath.parent if config.inipath is not None else config.rootpath
    for folder in config.getini(INI_OPTION):
        if path.is_relative_to((base / folder).resolve()):
            return True
    return False


class SpecCollectError(Exception):
    """A spec with test blocks that does not compile: its diagnostics, rendered."""


class SpecTestFailed(Exception):
    """A spec test whose expectations did not hold."""

    def __init__(self, result: SpecTestResult) -> None:
        super().__init__(result.render())
        self.result = result


class XmapFile(pytest.File):
    """A ``.xmap`` spec: one item per ``test`` block."""

    def collect(self) -> Iterator[XmapItem]:
        from crossmap.systems import compile_offline
        from crossmap.systems import connector_options as _options

        try:
            spec = load(self.path)
            if not spec.of_type(ast.Test):
                return
            result = compile_offline(spec)
            source = spec.connector("source")
            source_schema = static_schema("source", source.name, _options(source)) if source else None
        except SpecError as error:
            raise SpecCollectError(error.render()) from None
        except (SpecFileError, ConnectorError) as error:
            raise SpecCollectError(f"{self.path}: {error}") from None
        if result.plan is None:
            raise SpecCollectError(SpecError(result.diagnostics).render())
        for test in result.plan.tests:
            yield XmapItem.from_parent(
                self, name=test.name, plan=result.plan, test=test, source_schema=source_schema
            )

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        """The spec's diagnostics, not a traceback into the plugin."""
        if isinstance(excinfo.value, SpecCollectError):
            return f"the spec does not compile:\n{excinfo.value}"
        return super().repr_failure(excinfo)


class XmapItem(pytest.Item):
    """One ``test`` block of a spec."""

    def __init__(
        self,
        *,
        plan: Plan,
        test: SpecTest,
        source_schema: schema.Schema | None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.plan = plan
        self.test = test
        self.source_schema = source_schema

    def runtest(self) -> None:
        """Run the block; raise ``SpecTestFailed`` if an expectation does not hold."""
        result = run_spec_test(self.plan, self.test, source_schema=self.source_schema)
        if not result.passed:
            raise SpecTestFailed(result)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        """The field-level diff for a failed expectation; a traceback (which names the
        spec line of a crashing transform) for anything else."""
        if isinstance(excinfo.value, SpecTestFailed):
            return excinfo.value.result.render()
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self) -> tuple[Path, int, str]:
        """Where the block is: the spec file and the block's line."""
        return self.path, self.test.line - 1, f"xmap test: {self.test.name}"


# ---- fixtures for spec authors ----------------------------------------------------------


@pytest.fixture
def xmap_compile() -> Callable[[str | Path], Any]:
    """Compile a spec (a path, or spec text) against its connectors' shipped schemas:
    ``plan = xmap_compile("specs/migration.xmap")``. Raises ``SpecError`` on errors."""
    from crossmap.errors import SpecError
    from crossmap.syntax import load, parse
    from crossmap.systems import compile_offline

    def compile_spec(spec: str | Path) -> Any:
        text_given = isinstance(spec, str) and "\n" in spec
        parsed = parse(spec) if text_given else load(spec)  # type: ignore[arg-type]
        result = compile_offline(parsed)
        if result.plan is None:
            raise SpecError(result.diagnostics)
        return result.plan

    return compile_spec


@pytest.fixture
def memory_source() -> Callable[..., Any]:
    """Build an in-memory source: ``memory_source({"jobs": [{...}]}, schema)``."""
    from crossmap.connectors.builtin.memory import MemorySource

    return MemorySource


@pytest.fixture
def memory_destination() -> Any:
    """An empty in-memory destination that accepts any field."""
    from crossmap.connectors.builtin.memory import MemoryDestination

    return MemoryDestination()
