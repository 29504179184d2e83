"""What a destination plugin tells ``propose`` about its own vocabulary.

The core knows no destination: which words name a destination's objects (an export's
``deals`` are Salesforce ``Opportunity`` records) and its fields (a ``jobtitle`` is a
Contact's ``Title``), and how it names the custom fields a proposal creates
(``NamingRules``: Salesforce's ``__c`` suffix and length limit), is the plugin's
knowledge. A destination connector offers it as
``propose_hints()``, a static or class method of its factory returning a
``DestinationHints``; ``destination_hints(name)`` asks the installed plugin.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from attrs import field, frozen

from crossmap.connectors.registry import ConnectorError, plugin


def _frozen_map(value: Mapping[str, tuple[str, ...]]) -> Mapping[str, tuple[str, ...]]:
    return dict(value)


@frozen
class NamingRules:
    """How a destination names a custom field (or object) a proposal creates.

    - ``custom_suffix``: what every custom name ends with (Salesforce: ``__c``);
    - ``max_length``: the longest name, the suffix included;
    - ``allowed``: the characters a name may hold, as the inside of a regular
      expression's ``[...]``; others are dropped;
    - ``max_label``: the longest label.

    The default, for a destination that says nothing: no suffix, generous limits.
    """

    custom_suffix: str = ""
    max_length: int = 255
    allowed: str = "A-Za-z0-9_"
    max_label: int = 255

    def fit(self, base: str) -> str:
        """``base`` (``Equipment_Model``) as a custom name: its disallowed characters
        dropped, cut to fit with the suffix, and suffixed (``Equipment_Model__c``)."""
        name = re.sub(f"[^{self.allowed}]", "", base)
        limit = self.max_length - len(self.custom_suffix)
        return (name[:limit].rstrip("_") if len(name) > limit else name) + self.custom_suffix

    def base(self, name: str) -> str:
        """``name`` without the custom suffix."""
        return name.removesuffix(self.custom_suffix) if self.custom_suffix else name


DEFAULT_NAMING = NamingRules()
"""The naming rules of a destination that offers none."""


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
      (``Event`` → ``meeting``, ``appointment``);
    - ``naming``: how the destination names the custom fields a proposal creates.
    """

    object_synonyms: Mapping[str, tuple[str, ...]] = field(factory=dict, converter=_frozen_map)
    object_groups: tuple[tuple[str, ...], ...] = ()
    field_groups: tuple[tuple[str, ...], ...] = ()
    field_aliases: Mapping[str, tuple[str, ...]] = field(factory=dict, converter=_frozen_map)
    split_objects: Mapping[str, tuple[str, ...]] = field(factory=dict, converter=_frozen_map)
    naming: NamingRules = DEFAULT_NAMING


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
