"""The standard library of .xmap functions, and the registry of user functions.

A function is a plain, fully type-hinted Python callable; the compiler reads its
signature from the hints (see :mod:`crossmap.functions.signatures`). A parameter
whose hint does not admit None is never passed a null: the compiler skips the call
and the result is null. A value that cannot be converted raises
:class:`ConversionError`, to which the spec's ``on_error:`` policy applies.
"""

from crossmap.functions.context import FunctionContext
from crossmap.functions.errors import ConversionError, FunctionRegistryError, UnknownFunctionError
from crossmap.functions.registry import (
    GROUP,
    STANDARD,
    clear_cache,
    describe,
    lookup,
    registry,
    signature,
)
from crossmap.functions.signatures import Parameter, Signature, admits_null, signature_of, type_name
from crossmap.functions.zones import zone

__all__ = [
    "GROUP",
    "STANDARD",
    "ConversionError",
    "FunctionContext",
    "FunctionRegistryError",
    "Parameter",
    "Signature",
    "UnknownFunctionError",
    "admits_null",
    "clear_cache",
    "describe",
    "lookup",
    "registry",
    "signature",
    "signature_of",
    "type_name",
    "zone",
]
