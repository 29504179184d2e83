"""The compiler: name resolution, type checking, the dependency graph, and the plan."""

from crossmap.compiler.compile import CompileResult, check, compile, compile_spec
from crossmap.compiler.declarations import declared
from crossmap.compiler.plan import (
    Assignment,
    Binding,
    ConnectorRef,
    Declaration,
    DroppedAssignment,
    FailRule,
    Plan,
    Resolution,
    SkipRule,
    SpecTest,
    Step,
    ValueMapPlan,
    plan_from_dict,
    plan_to_dict,
    plan_to_json,
)
from crossmap.compiler.types import ValueType

__all__ = [
    "Assignment",
    "Binding",
    "CompileResult",
    "ConnectorRef",
    "Declaration",
    "DroppedAssignment",
    "FailRule",
    "Plan",
    "Resolution",
    "SkipRule",
    "SpecTest",
    "Step",
    "ValueMapPlan",
    "ValueType",
    "check",
    "compile",
    "compile_spec",
    "declared",
    "plan_from_dict",
    "plan_to_dict",
    "plan_to_json",
]
