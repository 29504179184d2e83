"""crossmap: declarative, checked, resumable CRM data migrations.

The everyday API; each layer's package (``crossmap.syntax``, ``crossmap.compiler``,
``crossmap.codegen``, ``crossmap.engine``...) has the rest.

    import crossmap

    plan = crossmap.compile("specs/migration.xmap", source_schema=..., target_schema=...)
    program = crossmap.generate(plan)

    result = crossmap.check(...)   # the same, with every diagnostic (warnings too), never raising
"""

from crossmap.codegen import Failed, Program, Row, Skipped, generate
from crossmap.compiler import CompileResult, Plan, check, compile, plan_from_dict, plan_to_json
from crossmap.engine import Engine, RunOptions, RunSummary, rollback
from crossmap.errors import CrossmapError, Diagnostic, SpecError
from crossmap.schema import FieldSchema, ObjectSchema, Schema, validate_row
from crossmap.state import StateStore
from crossmap.syntax import format_spec, load, parse

__all__ = [
    "CompileResult",
    "CrossmapError",
    "Diagnostic",
    "Engine",
    "Failed",
    "FieldSchema",
    "ObjectSchema",
    "Plan",
    "Program",
    "Row",
    "RunOptions",
    "RunSummary",
    "Schema",
    "Skipped",
    "SpecError",
    "StateStore",
    "check",
    "compile",
    "format_spec",
    "generate",
    "load",
    "parse",
    "plan_from_dict",
    "plan_to_json",
    "rollback",
    "validate_row",
]
