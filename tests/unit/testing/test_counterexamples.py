"""A failing property in this suite shows its counterexample (schemathesis, loaded
for the contract test, blanks it unless tests/conftest.py undoes its patch)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st


def test_a_failing_property_shows_its_counterexample() -> None:
    @settings(database=None, max_examples=50)
    @given(st.fixed_dictionaries({"a": st.integers()}))
    def prop(record: dict[str, int]) -> None:
        assert record["a"] < 5

    with pytest.raises(AssertionError) as caught:
        prop()
    notes = "\n".join(getattr(caught.value, "__notes__", []))
    assert "record={'a': 5}" in notes, notes
