"""Samples: a connected slice of the source loaded into a sandbox, read back and
diffed field by field; approvals of samples; the gate that keeps a production run of
a spec with a sandbox waiting for an approved sample of its version."""

from crossmap.engine.diff import KINDS, Kind, classify
from crossmap.engine.readback import Cell, RecordDiff, read_back
from crossmap.sample.gate import (
    ApprovalRequired,
    SampleError,
    approve,
    gate_run,
    require_approval,
    sandbox_profile,
    spec_version,
    version_hash,
)
from crossmap.sample.report import FieldSummary, Problem, SampleReport, render_html, render_text
from crossmap.sample.sampling import take_sample
from crossmap.sample.select import Selection, select_sample
from crossmap.sample.source import SelectedSource

__all__ = [
    "KINDS",
    "ApprovalRequired",
    "Cell",
    "FieldSummary",
    "Kind",
    "Problem",
    "RecordDiff",
    "SampleError",
    "SampleReport",
    "SelectedSource",
    "Selection",
    "approve",
    "classify",
    "gate_run",
    "read_back",
    "render_html",
    "render_text",
    "require_approval",
    "sandbox_profile",
    "select_sample",
    "spec_version",
    "take_sample",
    "version_hash",
]
