"""Code generation: plan steps lowered to Python functions."""

from crossmap.codegen.program import Program, StepProgram, generate
from crossmap.codegen.runtime import (
    Deferred,
    Failed,
    FieldFailure,
    Lookups,
    MemoryLookups,
    MissingParent,
    Result,
    Row,
    Skipped,
    TransformError,
)

__all__ = [
    "Deferred",
    "Failed",
    "FieldFailure",
    "Lookups",
    "MemoryLookups",
    "MissingParent",
    "Program",
    "Result",
    "Row",
    "Skipped",
    "StepProgram",
    "TransformError",
    "generate",
]
