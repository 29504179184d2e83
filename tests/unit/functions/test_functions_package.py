"""The package's public surface."""

from __future__ import annotations

import crossmap.functions as package


def test_all_is_complete_and_importable() -> None:
    public = {name for name in vars(package) if not name.startswith(("_", "@"))}  # "@py_": pytest rewriting
    modules = {name for name in public if type(getattr(package, name)).__name__ == "module"}
    assert set(package.__all__) == public - modules
    for name in package.__all__:
        assert getattr(package, name) is not None
