"""Testing support for people who write specs.

- Property-based testing of transforms: Hypothesis strategies built from schemas
  (``from_object``, ``from_dataset``, ``from_field``) and ready-made properties
  (``check_step``, ``check_lookup_closure``, ``check_round_trip``,
  ``assert_spec_properties``), judged by the core's row validator.
- Spec tests (``crossmap.spectest``), run by pytest through
  :mod:`crossmap.testing.pytest_plugin`, which also provides fixtures.
"""

from crossmap.spectest import (
    Expectation,
    FieldDiff,
    SpecTestResult,
    run_spec_test,
    run_spec_tests,
)
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
