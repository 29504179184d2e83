"""Salesforce record Ids: key prefixes, the case-safe checksum suffix, allocation.

A 15-character Id is a 3-character key prefix, a 2-character pod, a reserved ``0`` and
a 9-character base-62 counter. Because 15-character Ids are case-sensitive, the API
returns 18 characters: three more that encode, per 5-character chunk, which positions
hold an uppercase letter. Both forms name the same record.
"""

from __future__ import annotations

import re

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_SUFFIX = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_SHAPE = re.compile(r"^[0-9A-Za-z]{15}(?:[A-Za-z0-5]{3})?$")

#: The pod our org "lives" on; any two characters would do, fixed for stable Ids.
POD = "5g"

STANDARD_PREFIXES: dict[str, str] = {
    "Account": "001",
    "Contact": "003",
    "Case": "500",
    "Event": "00U",
    "Task": "00T",
    "User": "005",
    "Profile": "00e",
    "Group": "00G",
    "CaseComment": "00a",
    "ContentVersion": "068",
    "ContentDocument": "069",
    "ContentDocumentLink": "06A",
    "Organization": "00D",
    "Lead": "00Q",
    "Opportunity": "006",
    "OpportunityContactRole": "00K",
    "OpportunityLineItem": "00k",
    "Product2": "01t",
    "Pricebook2": "01s",
    "PricebookEntry": "01u",
    "Campaign": "701",
    "CampaignMember": "00v",
    "Contract": "800",
    "Order": "801",
    "OrderItem": "802",
    "Asset": "02i",
    "Note": "002",
}
JOB_PREFIX = "750"


def checksum(id15: str) -> str:
    """The three suffix characters that make ``id15`` case-insensitively unique."""
    out = []
    for chunk in range(3):
        n = 0
        for j, ch in enumerate(id15[chunk * 5 : chunk * 5 + 5]):
            if "A" <= ch <= "Z":
                n |= 1 << j
        out.append(_SUFFIX[n])
    return "".join(out)


def to18(id15: str) -> str:
    """The 18-character form of a 15-character Id."""
    return id15 + checksum(id15)


def normalize(value: str) -> str | None:
    """The canonical 18-character form of a 15- or 18-character Id, or ``None`` if
    ``value`` is not shaped like an Id (or its suffix does not match)."""
    if not isinstance(value, str) or not _SHAPE.match(value):
        return None
    if len(value) == 15:
        return to18(value)
    # The suffix is case-insensitive on the wire; compare it in upper case.
    head, suffix = value[:15], value[15:].upper()
    return value[:15] + suffix if checksum(head) == suffix else None


def encode_counter(n: int, width: int = 9) -> str:
    """``n`` in base 62, left-padded with zeros to ``width`` characters."""
    if n < 0 or n >= 62**width:
        raise ValueError(f"counter {n} does not fit in {width} base-62 digits")
    digits = []
    for _ in range(width):
        n, r = divmod(n, 62)
        digits.append(_BASE62[r])
    return "".join(reversed(digits))


def make_id(prefix: str, counter: int) -> str:
    """The 18-character Id numbered ``counter`` under key ``prefix``."""
    return to18(prefix + POD + "0" + encode_counter(counter))
