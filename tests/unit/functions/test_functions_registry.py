"""User functions found through the ``crossmap.functions`` entry-point group, from
throwaway distributions placed on ``sys.path`` (no pip install)."""

from __future__ import annotations

import itertools
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from crossmap.errors import CrossmapError
from crossmap.functions import (
    GROUP,
    STANDARD,
    FunctionRegistryError,
    clear_cache,
    describe,
    lookup,
    registry,
    signature,
)

_serial = itertools.count()

Install = Callable[..., str]


@pytest.fixture
def install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Install]:
    """Make a distribution with entry points and a module of source code, put it on
    sys.path, and return the module's (unique) name."""
    modules: list[str] = []

    def make(distribution: str, entries: dict[str, str], source: str) -> str:
        module = f"crossmap_test_plugin_{next(_serial)}"
        modules.append(module)
        root = tmp_path / distribution
        info = root / f"{distribution.replace('-', '_')}-1.0.dist-info"
        info.mkdir(parents=True)
        (info / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: {distribution}\nVersion: 1.0\n", encoding="utf-8"
        )
        lines = [f"{name} = {target.format(module=module)}" for name, target in entries.items()]
        (info / "entry_points.txt").write_text(
            f"[{GROUP}]\n" + "\n".join(lines) + "\n", encoding="utf-8"
        )
        (root / f"{module}.py").write_text(source, encoding="utf-8")
        monkeypatch.syspath_prepend(str(root))
        return module

    clear_cache()
    yield make
    clear_cache()
    for module in modules:
        sys.modules.pop(module, None)


PLUGIN = '''
from __future__ import annotations
from decimal import Decimal


def shout(value: str, times: int = 2) -> str:
    """The value, loud."""
    return value.upper() + "!" * times


def vat(amount: Decimal) -> Decimal | None:
    """Value added tax at 20 %."""
    return amount * Decimal("0.20")
'''


def test_registry_finds_user_functions(install: Install) -> None:
    module = install("acme-crossmap", {"shout": "{module}:shout", "vat": "{module}:vat"}, PLUGIN)
    functions = registry()
    assert functions["shout"]("hi") == "HI!!"
    assert functions["shout"].__module__ == module
    assert set(STANDARD) < set(functions)
    assert describe("shout") == "shout(value: string, times: integer = 2) -> string"
    assert describe("vat") == "vat(amount: decimal) -> decimal | null"
    assert signature("vat").returns_nullable
    assert lookup("trim") is STANDARD["trim"]


def test_registry_is_cached(install: Install) -> None:
    install("acme-crossmap", {"shout": "{module}:shout"}, PLUGIN)
    assert registry() is registry()


def test_standard_library_alone_without_plugins(install: Install) -> None:
    assert "shout" not in registry()
    assert set(STANDARD) <= set(registry())


def test_a_name_collision_with_a_standard_function_is_refused(install: Install) -> None:
    module = install("acme-crossmap", {"trim": "{module}:shout"}, PLUGIN)
    with pytest.raises(FunctionRegistryError) as caught:
        registry()
    assert isinstance(caught.value, CrossmapError)
    assert str(caught.value) == (
        f"entry point trim = {module}:shout (group crossmap.functions) in distribution "
        "acme-crossmap 1.0: 'trim' is the name of a standard function; "
        "register it under another name"
    )


def test_an_import_failure_names_the_distribution_and_entry_point(install: Install) -> None:
    module = install("broken-fns", {"explode": "{module}:explode"}, "import no_such_module_xyz\n")
    with pytest.raises(FunctionRegistryError) as caught:
        registry()
    assert str(caught.value) == (
        f"entry point explode = {module}:explode (group crossmap.functions) in distribution "
        "broken-fns 1.0 failed to load: ModuleNotFoundError: No module named 'no_such_module_xyz'"
    )
    assert isinstance(caught.value.__cause__, ModuleNotFoundError)


def test_a_missing_attribute_is_a_load_failure(install: Install) -> None:
    install("acme-crossmap", {"whisper": "{module}:whisper"}, PLUGIN)
    with pytest.raises(FunctionRegistryError, match=r"acme-crossmap 1\.0 failed to load: "):
        registry()


def test_a_function_with_unchecked_hints_is_refused(install: Install) -> None:
    source = "def half(value: float) -> float:\n    return value / 2\n"
    module = install("floaty", {"half": "{module}:half"}, source)
    with pytest.raises(FunctionRegistryError) as caught:
        registry()
    message = str(caught.value)
    assert message.startswith(
        f"entry point half = {module}:half (group crossmap.functions) in distribution "
        "floaty 1.0: function 'half', parameter 'value': type float is not allowed"
    )


def test_two_distributions_with_one_name_are_refused(install: Install) -> None:
    install("first-fns", {"shout": "{module}:shout"}, PLUGIN)
    install("second-fns", {"shout": "{module}:shout"}, PLUGIN)
    with pytest.raises(FunctionRegistryError, match="'shout' is already registered by entry point"):
        registry()


def test_a_name_a_spec_cannot_call_is_refused(install: Install) -> None:
    install("acme-crossmap", {"shout-loud": "{module}:shout"}, PLUGIN)
    with pytest.raises(FunctionRegistryError, match="'shout-loud' is not a name a spec can call"):
        registry()
