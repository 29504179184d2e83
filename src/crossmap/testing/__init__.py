"""Testing support for people who write specs.

- Property-based testing of transforms: Hypothesis strategies built from schemas
  (``from_object``, ``from_dataset``, ``from_field``) and ready-made properties
  (``check_step``, ``check_lookup_closure``, ``check_round_trip``,
  ``assert_spec_properties``), judged by the core's row validator. These need
  Hypothesis: ``pip install 'crossmap[testing]'``.
- Spec tests (``crossmap.spectest``), run by pytest through
  :mod:`crossmap.testing.pytest_plugin`, which also provides fixtures. They need no
  Hypothesis.

The property kit is imported lazily (PEP 562), because pytest imports this package
for the plugin in every environment crossmap is installed in: importing Hypothesis
here would break every pytest run where Hypothesis is absent.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from crossmap.spectest import (
    Expectation,
    FieldDiff,
    SpecTestResult,
    run_spec_test,
    run_spec_tests,
)

if TYPE_CHECKING:
    from crossmap.testing.properties import (
        AnyIdLookups,
        assert_spec_properties,
        check_determinism,
        check_lookup_closure,
        check_no_failures,
        check_round_trip,
        check_step,
        check_totality,
        check_validity,
        program_for_properties,
    )
    from crossmap.testing.strategies import from_dataset, from_field, from_object

# Each name of the property kit, and the module that defines it.
_LAZY = {
    **dict.fromkeys(
        (
            "AnyIdLookups",
            "assert_spec_properties",
            "check_determinism",
            "check_lookup_closure",
            "check_no_failures",
            "check_round_trip",
            "check_step",
            "check_totality",
            "check_validity",
            "program_for_properties",
        ),
        "crossmap.testing.properties",
    ),
    **dict.fromkeys(("from_dataset", "from_field", "from_object"), "crossmap.testing.strategies"),
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'crossmap.testing' has no attribute {name!r}")
    try:
        return getattr(importlib.import_module(module), name)
    except ModuleNotFoundError as error:
        if error.name != "hypothesis":
            raise
        raise ImportError(
            f"crossmap.testing.{name} needs Hypothesis, which is not installed: "
            "pip install 'crossmap[testing]'"
        ) from None


__all__ = [
    "AnyIdLookups",
    "Expectation",
    "FieldDiff",
    "SpecTestResult",
    "assert_spec_properties",
    "check_determinism",
    "check_lookup_closure",
    "check_no_failures",
    "check_round_trip",
    "check_step",
    "check_totality",
    "check_validity",
    "from_dataset",
    "from_field",
    "from_object",
    "program_for_properties",
    "run_spec_test",
    "run_spec_tests",
]
