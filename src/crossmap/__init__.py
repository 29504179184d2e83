"""crossmap: declarative, checked, resumable CRM data migrations.

The everyday API; each layer's package (``crossmap.syntax``, ``crossmap.compiler``,
``crossmap.codegen``, ``crossmap.engine``...) has the rest.

    import crossmap

    plan = crossmap.compile("specs/migration.xmap", source_schema=..., target_schema=...)
    program = crossmap.generate(plan)

    result = crossmap.check(...)   # the same, with every diagnostic (warnings too), never raising
"""

from crossmap.codegen import Failed, MissingParent, Program, Row, Skipped, TransformError, generate
from crossmap.compiler import CompileResult, Plan, check, compile, plan_from_dict, plan_to_json
from crossmap.connectors import ConnectorError, static_schema
from crossmap.connectors.builtin.coding import SourceDataError
from crossmap.connectors.builtin.memory import MemoryDestination, MemorySource
from crossmap.connectors.builtin.options import ConnectorOptionError
from crossmap.connectors.profiles import ProfileError
from crossmap.connectors.spool import SpoolError
from crossmap.engine import (
    Engine,
    RunError,
    RunOptions,
    RunSummary,
    UnreconciledWrites,
    migrate,
    rollback,
)
from crossmap.errors import CrossmapError, Diagnostic, SpecError, SpecFileError
from crossmap.functions import ConversionError, FunctionRegistryError, UnknownFunctionError
from crossmap.reports import AuditReport, audit_report
from crossmap.schema import (
    FieldSchema,
    ObjectSchema,
    Schema,
    SchemaFormatError,
    SchemaLookupError,
    UnknownFieldError,
    UnknownObjectError,
    validate_row,
)
from crossmap.state import RunClosedError, StateError, StateStore, StoreBusy
from crossmap.syntax import format_spec, load, parse

__all__ = [
    "AuditReport",
    "CompileResult",
    "ConnectorError",
    "ConnectorOptionError",
    "ConversionError",
    "CrossmapError",
    "Diagnostic",
    "Engine",
    "Failed",
    "FieldSchema",
    "FunctionRegistryError",
    "MemoryDestination",
    "MemorySource",
    "MissingParent",
    "ObjectSchema",
    "Plan",
    "ProfileError",
    "Program",
    "Row",
    "RunClosedError",
    "RunError",
    "RunOptions",
    "RunSummary",
    "Schema",
    "SchemaFormatError",
    "SchemaLookupError",
    "Skipped",
    "SourceDataError",
    "SpecError",
    "SpecFileError",
    "SpoolError",
    "StateError",
    "StateStore",
    "StoreBusy",
    "TransformError",
    "UnknownFieldError",
    "UnknownFunctionError",
    "UnknownObjectError",
    "UnreconciledWrites",
    "audit_report",
    "check",
    "compile",
    "format_spec",
    "generate",
    "load",
    "migrate",
    "parse",
    "plan_from_dict",
    "plan_to_json",
    "rollback",
    "static_schema",
    "validate_row",
]
