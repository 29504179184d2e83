"""``crossmap propose``: a draft mapping proposed from both schemas (and sampled
source values), written as a .xmap spec for a person to review and confirm."""

from crossmap.propose.draft import render
from crossmap.propose.model import (
    Candidate,
    CustomField,
    FieldMatch,
    ObjectMatch,
    Proposal,
    Todo,
    ValueMapDraft,
)
from crossmap.propose.proposal import DEFAULT_THRESHOLD, ProposeError, default_prefix, propose

__all__ = [
    "DEFAULT_THRESHOLD",
    "Candidate",
    "CustomField",
    "FieldMatch",
    "ObjectMatch",
    "Proposal",
    "ProposeError",
    "Todo",
    "ValueMapDraft",
    "default_prefix",
    "propose",
    "render",
]
