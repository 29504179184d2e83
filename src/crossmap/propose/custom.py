"""Custom fields proposed for source fields that have no destination field.

The name is built from the source field (``custom_equipment_model`` →
``Equipment_Model``, ``account_manager_id`` → ``Account_Manager``); a one-word
generic name is qualified by its object (``role`` on contacts → ``Contact_Role``),
and a name the destination object already uses gets the migration's prefix. The
destination's ``NamingRules`` finish it (Salesforce: a ``__c`` suffix, 40
characters at most). The declaration is the closest .xmap field type, and the
expression copes with what that type cannot hold (lengths, multi-value lists).
"""

from __future__ import annotations

from collections.abc import Collection

from crossmap import schema
from crossmap.propose.hints import DEFAULT_NAMING, NamingRules
from crossmap.propose.model import CustomField
from crossmap.propose.names import field_words, singular, split_words, title_identifier
from crossmap.propose.profile import MONEY_WORDS
from crossmap.propose.spelling import ref

GENERIC_NAMES: frozenset[str] = frozenset({
    "type", "role", "status", "kind", "category", "number", "code", "name", "stage", "level",
    "class", "group", "label", "state",
})
"""One-word field names too vague to stand alone on another object: qualified by
the source object's name."""

TEXT_LIMIT = 255
"""Longest short text field; longer text becomes a long text field."""

LONG_TEXT = 32000
"""The length of a proposed long text field (and what long text is truncated to)."""


def custom_name(
    source_object: str, field: schema.FieldSchema, taken: Collection[str], prefix: str,
    naming: NamingRules = DEFAULT_NAMING,
) -> str:
    """The API name proposed for a custom field holding the source field ``field``;
    ``taken`` are the destination object's field names (compared case-insensitively)."""
    words = field_words(field.name)
    if isinstance(field.type, schema.Reference) and len(words) > 1 and words[-1] in ("id", "ids"):
        words = words[:-1]
    if len(words) == 1 and words[0] in GENERIC_NAMES:
        words = [singular(w) for w in split_words(source_object)][-1:] + words
    if not words or words[0][0].isdigit():
        # An API name starts with a letter.
        words = [prefix, *words]
    folded = {t.casefold() for t in taken}
    name = naming.fit(title_identifier(words))
    if name.casefold() in folded or naming.base(name).casefold() in folded:
        name = naming.fit(title_identifier([prefix, *words]))
    return name


def key_name(source_object: str, prefix: str, naming: NamingRules = DEFAULT_NAMING) -> str:
    """The external-id field proposed for a source object's key: ``QD_Job_Id``
    (Salesforce: ``QD_Job_Id__c``)."""
    words = split_words(source_object)
    words[-1:] = [singular(words[-1])] if words else []
    return naming.fit(title_identifier([prefix, *words, "id"]))


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def picklist(values: tuple[str, ...], *, restricted: bool) -> str:
    """A ``picklist [..]`` declaration."""
    listed = ", ".join(_quote(v) for v in values)
    return f"picklist {'restricted ' if restricted else ''}[{listed}]"


def declaration(
    field: schema.FieldSchema, words: tuple[str, ...], lookup_target: str | None, shape: str | None = None,
) -> tuple[str, str] | None:
    """``(type declaration, expression)`` for a custom field holding ``field``, or
    None when no custom field can hold it (nested lists, files, untyped values).
    ``lookup_target`` is the destination object a reference's records become;
    ``shape`` what sampled values showed (plain text that holds emails is an
    ``email`` field)."""
    name = ref(field.name)
    match field.type:
        case schema.String(format=fmt) if fmt is not None:
            return fmt, name
        case schema.String() if shape in ("email", "phone", "url"):
            return str(shape), name
        case schema.String(max_length=n) if n is not None and n <= TEXT_LIMIT:
            return f"text({n})", name
        case schema.String() | schema.Id():
            return f"text({TEXT_LIMIT})", f"truncate({name}, {TEXT_LIMIT})"
        case schema.Text(max_length=n) if n is not None and n <= LONG_TEXT:
            return f"long text({n})", name
        case schema.Text():
            return f"long text({LONG_TEXT})", f"truncate({name}, {LONG_TEXT})"
        case schema.Integer():
            return "number(18, 0)", name
        case schema.Numeric(precision=p, scale=s):
            kind = "currency" if MONEY_WORDS & set(words) else "number"
            return f"{kind}({p or 18}, {s if s is not None else (2 if kind == 'currency' else 4)})", name
        case schema.Boolean():
            return "checkbox", name
        case schema.Date():
            return "date", name
        case schema.DateTime():
            return "datetime", name
        case schema.Enum(values=values, multi=True):
            return f"text({TEXT_LIMIT})", f'truncate(join({name}, ";"), {TEXT_LIMIT})'
        case schema.Enum(values=values, restricted=restricted) if values:
            return picklist(tuple(values), restricted=restricted), name
        case schema.Enum():
            return f"text({TEXT_LIMIT})", f"truncate({name}, {TEXT_LIMIT})"
        case schema.Reference() if lookup_target is not None:
            return f"lookup({lookup_target})", name
    return None


def key_field(source_object: schema.ObjectSchema, prefix: str, system_label: str,
              naming: NamingRules = DEFAULT_NAMING) -> tuple[CustomField, str] | None:
    """The external-id custom field for a source object's key, and the expression
    that fills it; None when the object has no key."""
    if source_object.key is None:
        return None
    key = source_object.fields[source_object.key]
    spelled = ref(key.name)
    match key.type:
        case schema.String(max_length=n) if n is not None and n <= TEXT_LIMIT:
            length, expression = n, spelled
        case schema.String() | schema.Id():
            length, expression = TEXT_LIMIT, f"truncate({spelled}, {TEXT_LIMIT})"
        case _:
            # A numeric key: its text form is short.
            length, expression = 40, f"to_string({spelled})"
    label_words = split_words(source_object.label or source_object.name)
    label = f"{system_label} {' '.join(w.capitalize() for w in label_words)} Id"
    declared = f"text({length}) external unique label {_quote(label)}"
    return CustomField(key_name(source_object.name, prefix, naming), declared, label), expression
