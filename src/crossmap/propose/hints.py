"""What a destination plugin tells ``propose`` about its own vocabulary.

The core knows no destination: which words name a destination's objects (an export's
``deals`` are Salesforce ``Opportunity`` records) and its fields (a ``jobtitle`` is a
Contact's ``Title``) is the plugin's knowledge. A destination connector offers it as
``propose_hints()``, a static or class method of its factory returning a
``DestinationHints``; ``destination_hints(name)`` asks the installed plugin.
"""

from __future__ import annotations

from collections.abc import Mapping

from attrs import field, frozen

from crossmap.connectors.registry import ConnectorError, plugin


def _frozen_map(value: Mapping[str, tuple[str, ...]]) -> Mapping[str, tuple[str, ...]]:
    return dict(value)


@frozen
class DestinationHints:
    """A destination's vocabulary, as plain phrases (words separated by spaces,
    lower case, singular).

    - ``object_synonyms``: destination object → phrases a source may call it by
      (``Opportunity`` → ``deal``, ``pipeline deal``). A phrase may name several
      objects (``engagement`` is a ``Task`` or an ``Event``);
    - ``object_groups``: groups of equivalent object phrases, the first the
      canonical one, rewritten before names are compared (as ``synonyms.py``'s
      field groups);
    - ``field_groups``: the same for field names;
    - ``field_aliases``: ``Object.Field`` → more phrases for that one field
      (``Contact.Title`` → ``job title``);
    - ``split_objects``: destination objects a source object with a type column may
      be split between, each with the words of the type values that go to it
      (``Event`` → ``meeting``, ``appointment``).
    """

    object_synonyms: Mapping[str, tuple[str, ...]] = field(factory=dict, converter=_frozen_map)
    object_groups: tuple[tuple[str, ...], ...] = ()
    field_groups: tuple[tuple[str, ...], ...] = ()
    field_aliases: Mapping[str, tuple[str, ...]] = field(factory=dict, converter=_frozen_map)
    split_objects: Mapping[str, tuple[str, ...]] = field(factory=dict, converter=_frozen_map)


NO_HINTS = DestinationHints()
"""What a destination that offers no hints gives."""


def destination_hints(name: str) -> DestinationHints:
    """The hints of the installed destination plugin ``name`` (``NO_HINTS`` when it
    offers none). Raises ConnectorError for an unknown plugin."""
    factory = plugin("target", name)
    provide = getattr(factory, "propose_hints", None)
    if provide is None:
        return NO_HINTS
    hints = provide()
    if not isinstance(hints, DestinationHints):
        raise ConnectorError(f"the '{name}' connector's propose_hints() did not return DestinationHints")
    return hints
