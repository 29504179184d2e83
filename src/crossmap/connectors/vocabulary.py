"""How a destination words errors: its codes and messages for the row validator's
neutral violations, and what to do about each of its error codes.

The core knows no destination's error codes. The row validator
(:mod:`crossmap.schema.validate`) reports a neutral ``ViolationKind``; a destination
plugin that speaks its own language offers an ``ErrorVocabulary`` (one table, in its
own package) through the :class:`~crossmap.connectors.protocols.ErrorNaming`
capability of its factory, as it offers ``static_schema`` and ``propose_hints``. So
preflight names a predicted rejection with the code the destination will give, and
an audit report hints at a finished run's failures from the plan's destination name
alone, without connecting to it.

A destination without a vocabulary reports a kind by its name (``TOO_LONG``), with the
validator's neutral message.

A hint is a template: ``{field}`` (the field, or "the field"), ``{step}`` (the step's
name, or "the step"), ``{line}`` (the spec line, or "?") and ``{at_line}`` ("at spec
line 12", or "in the spec" where no line is known, as in a connector's own message).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from attrs import field, frozen

from crossmap.connectors.protocols import ErrorNaming, capability
from crossmap.connectors.registry import ConnectorError, plugin
from crossmap.schema.validate import Violation, ViolationKind

UPSERTED_DUPLICATE_HINT = ("the step already upserts on its external id: two source records give {field} the same "
                           "value (or a destination record holds it under another field): make the key {at_line} "
                           "unique in the source")
"""What to do about a duplicate value in a step that already upserts: a destination's
``upsert_hints`` may give it for its duplicate-value code."""


Wording = Callable[[Violation], str]
"""Words one violation as a destination's message."""


# A vocabulary owns copies of its tables (attrs converters need concrete types).
def _codes(value: Mapping[ViolationKind, str]) -> Mapping[ViolationKind, str]:
    return dict(value)


def _messages(value: Mapping[ViolationKind, Wording]) -> Mapping[ViolationKind, Wording]:
    return dict(value)


def _hints(value: Mapping[str, str]) -> Mapping[str, str]:
    return dict(value)


@frozen
class ErrorVocabulary:
    """One destination's words for errors.

    - ``codes``: violation kind → the destination's error code (a kind left out is
      reported by its name);
    - ``messages``: violation kind → the destination's message, worded from the
      violation's facts (a kind left out keeps the validator's neutral message);
    - ``hints``: error code → what to do (a template, see the module docstring);
    - ``upsert_hints``: error code → the hint instead, in a step that already upserts
      (so a duplicate's hint does not suggest upserting);
    - ``gone``: the codes saying the record a row names does not exist (any more):
      a rollback counts such a delete or restore as done.
    """

    codes: Mapping[ViolationKind, str] = field(factory=dict, converter=_codes)
    messages: Mapping[ViolationKind, Wording] = field(factory=dict, converter=_messages)
    hints: Mapping[str, str] = field(factory=dict, converter=_hints)
    upsert_hints: Mapping[str, str] = field(factory=dict, converter=_hints)
    gone: frozenset[str] = frozenset()

    def code(self, violation: Violation) -> str:
        """The destination's code for ``violation``."""
        return self.codes.get(violation.kind) or violation.kind.name

    def message(self, violation: Violation) -> str:
        """The destination's message for ``violation``."""
        word = self.messages.get(violation.kind)
        return violation.message if word is None else word(violation)

    def hint(self, code: str | None, *, upserting: bool = False) -> str | None:
        """The hint template for ``code``; ``upserting``: the step already upserts."""
        if code is None:
            return None
        if upserting and code in self.upsert_hints:
            return self.upsert_hints[code]
        return self.hints.get(code)


NEUTRAL = ErrorVocabulary()
"""The vocabulary of a destination that offers none: kinds by name, no hints."""


class _Kept(dict[str, object]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def render_hint(template: str, *, field: str | None = None, step: str | None = None,
                line: int | None = None) -> str:
    """``template`` with its placeholders filled (see the module docstring). A
    placeholder it does not know is left as written, and a template that is no format
    string (a stray brace) is given as it is: a plugin's table never breaks a report."""
    values = _Kept(field=field or "the field", step=step or "the step", line=line or "?",
                   at_line="in the spec" if line is None else f"at spec line {line}")
    try:
        return template.format_map(values)
    except (ValueError, IndexError, AttributeError):
        return template


def destination_vocabulary(name: str, default: ErrorVocabulary = NEUTRAL) -> ErrorVocabulary:
    """The vocabulary of the installed destination plugin ``name``: what its factory's
    ``error_vocabulary()`` gives, ``NEUTRAL`` when it offers none, and ``default``
    when no destination of that name is installed (a run reported where its plugin
    is not)."""
    try:
        factory = plugin("target", name)
    except ConnectorError:
        return default
    naming = capability(factory, ErrorNaming)
    if naming is None:
        return NEUTRAL
    vocabulary = naming.error_vocabulary()
    if not isinstance(vocabulary, ErrorVocabulary):
        raise ConnectorError(f"the '{name}' connector's error_vocabulary() did not return an ErrorVocabulary")
    return vocabulary
