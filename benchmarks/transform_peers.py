"""B1 peers: the flagship Job -> Case mapping in the engines a Python user would
pick instead of crossmap, each written as that engine's users write it.

Every peer does the whole mapping the spec states: the AccountId lookup (a dict
from customer id to Account Id, failing when a customer is missing), the four value
maps (priority and origin with their ``else``, work order status and case status
failing on an unknown status), trim and truncate, ``?? false``, and the owner: the
User of the job's technician when it has exactly one (the fallback user when that
technician has none, or when the job has none or several). Nulls pass through as
null, as the spec's functions skip on a null argument.

JSON engines (jsonatapy, jsonata2py, jq) and Singer stream maps work on JSON
values, so they are given records in ``json_form`` (converted once, before timing)
and their output is compared with the hand-written output in the same form. glom
works on Python objects and gets the typed records unchanged.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

import glom  # type: ignore[import-untyped]
import jq  # type: ignore[import-not-found]
import jsonata2py
import jsonatapy
from singer_sdk.mapper import PluginMapper

from crossmap.functions.strings import trim, truncate

PRIORITY = {"low": "Low", "normal": "Medium", "high": "High", "emergency": "High"}
ORIGIN = {"phone": "Phone", "email": "Email", "web": "Web", "app": "Web", "walk_in": "Phone"}
STATUSES = ("Pending", "Assigned", "En Route", "In Progress", "Completed", "Cancelled")
WORK_ORDER = {s: s for s in STATUSES}
CASE_STATUS = {
    "Pending": "New",
    "Assigned": "Working",
    "En Route": "Working",
    "In Progress": "Working",
    "Completed": "Closed",
    "Cancelled": "Closed",
}

JSON_FORM = "datetimes and dates as ISO 8601 strings, decimals as strings"
"""What ``json_form`` does, for the benchmark's notes."""

Mapper = Callable[[Any], Any]
"""A peer mapping one record: JSON peers take JSON dicts, glom typed records."""

FALLBACK_USER = "005" + "9" * 15
"""The fallback user's Id (``resolve technicians ... fallback``)."""


def owner_of(users: Mapping[str, str], fallback: str = FALLBACK_USER) -> Callable[[Any], str]:
    """The spec's ``OwnerId``: ``lookup(technicians, if count(ids) == 1 then first(ids)
    else null) missing fallback``."""
    find = users.get

    def owner(ids: Any) -> str:
        if ids is not None and len(ids) == 1:
            return find(ids[0], fallback)
        return fallback

    return owner


def json_form(value: Any) -> Any:
    """``value`` as JSON data: datetimes and dates in ISO 8601, decimals as
    strings (the lossless form JSON APIs use); containers converted throughout."""
    if isinstance(value, dict):
        return {k: json_form(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_form(v) for v in value]
    if isinstance(value, dt.date):  # datetime is a date too
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


# JSONata (both engines). A missing key gives JSONata's "undefined", so every
# nullable branch tests for null explicitly to keep the key with a null value.
JSONATA = """(
  $priority := {"low": "Low", "normal": "Medium", "high": "High", "emergency": "High"};
  $origin := {"phone": "Phone", "email": "Email", "web": "Web", "app": "Web", "walk_in": "Phone"};
  $workOrder := {"Pending": "Pending", "Assigned": "Assigned", "En Route": "En Route",
                 "In Progress": "In Progress", "Completed": "Completed", "Cancelled": "Cancelled"};
  $caseStatus := {"Pending": "New", "Assigned": "Working", "En Route": "Working",
                  "In Progress": "Working", "Completed": "Closed", "Cancelled": "Closed"};
  $account := $account(customer_id);
  $p := $lookup($priority, urgency);
  $o := $lookup($origin, channel);
  $w := $lookup($workOrder, status);
  $c := $lookup($caseStatus, status);
  {
    "QD_Job_Id__c": id,
    "QD_Job_Number__c": number,
    "AccountId": customer_id = null ? null
      : ($exists($account) and $account != null ? $account
         : $error("no Account was loaded for customers " & customer_id)),
    "Subject": title = null ? null : $substring($trim(title), 0, 255),
    "Description": description = null ? null : $substring(description, 0, 32000),
    "Priority": urgency = null ? null : ($exists($p) ? $p : "Medium"),
    "Origin": channel = null ? null : ($exists($o) ? $o : channel),
    "QD_Channel__c": channel,
    "Work_Order_Status__c": status = null ? null
      : ($exists($w) ? $w : $error("no work_order_status for " & status)),
    "Status": status = null ? null : ($exists($c) ? $c : $error("no case_status for " & status)),
    "QD_Completed_At__c": completed_at,
    "QD_Assigned_At__c": status_assigned_at,
    "QD_En_Route_At__c": status_en_route_at,
    "QD_In_Progress_At__c": status_in_progress_at,
    "QD_Cancelled_At__c": status_cancelled_at,
    "Equipment_Model__c": custom_equipment_model,
    "Parts_Used__c": custom_parts_used = null ? null : $substring(custom_parts_used, 0, 32000),
    "Site_Conditions__c": custom_site_conditions,
    "Service_Tier__c": custom_service_tier,
    "Warranty_Claim__c": custom_warranty_claim = null ? false : custom_warranty_claim,
    "Estimated_Hours__c": custom_estimated_hours,
    "Install_Date__c": custom_install_date,
    "OwnerId": $user($count(assigned_technician_ids) = 1 ? assigned_technician_ids[0] : null)
  }
)"""

JQ = """
{"low": "Low", "normal": "Medium", "high": "High", "emergency": "High"} as $priority
| {"phone": "Phone", "email": "Email", "web": "Web", "app": "Web", "walk_in": "Phone"} as $origin
| {"Pending": "Pending", "Assigned": "Assigned", "En Route": "En Route",
   "In Progress": "In Progress", "Completed": "Completed", "Cancelled": "Cancelled"} as $workOrder
| {"Pending": "New", "Assigned": "Working", "En Route": "Working",
   "In Progress": "Working", "Completed": "Closed", "Cancelled": "Closed"} as $caseStatus
| {
    QD_Job_Id__c: .id,
    QD_Job_Number__c: .number,
    AccountId: (if .customer_id == null then null
      else ($accounts[.customer_id] // error("no Account was loaded for customers \\(.customer_id)")) end),
    Subject: (if .title == null then null else (.title | trim | .[:255]) end),
    Description: (if .description == null then null else .description[:32000] end),
    Priority: (if .urgency == null then null else ($priority[.urgency] // "Medium") end),
    Origin: (if .channel == null then null else ($origin[.channel] // .channel) end),
    QD_Channel__c: .channel,
    Work_Order_Status__c: (if .status == null then null
      else ($workOrder[.status] // error("no work_order_status for \\(.status)")) end),
    Status: (if .status == null then null
      else ($caseStatus[.status] // error("no case_status for \\(.status)")) end),
    QD_Completed_At__c: .completed_at,
    QD_Assigned_At__c: .status_assigned_at,
    QD_En_Route_At__c: .status_en_route_at,
    QD_In_Progress_At__c: .status_in_progress_at,
    QD_Cancelled_At__c: .status_cancelled_at,
    Equipment_Model__c: .custom_equipment_model,
    Parts_Used__c: (if .custom_parts_used == null then null else .custom_parts_used[:32000] end),
    Site_Conditions__c: .custom_site_conditions,
    Service_Tier__c: .custom_service_tier,
    Warranty_Claim__c: (.custom_warranty_claim // false),
    Estimated_Hours__c: .custom_estimated_hours,
    Install_Date__c: .custom_install_date,
    OwnerId: (if (.assigned_technician_ids | length) == 1
      then ($users[.assigned_technician_ids[0]] // $fallback) else $fallback end)
  }
"""

# Singer SDK stream maps: one simpleeval expression per property; the lookup table
# and value maps come in through ``stream_map_config`` (``config`` in expressions).
SINGER_MAP = {
    "__alias__": "Case",
    "__else__": None,
    "__key_properties__": ["QD_Job_Id__c"],
    "QD_Job_Id__c": "id",
    "QD_Job_Number__c": "number",
    "AccountId": "None if customer_id is None else config['accounts'][customer_id]",
    "Subject": "None if title is None else title.strip()[:255]",
    "Description": "None if description is None else description[:32000]",
    "Priority": "None if urgency is None else config['priority'].get(urgency, 'Medium')",
    "Origin": "None if channel is None else config['origin'].get(channel, channel)",
    "QD_Channel__c": "channel",
    "Work_Order_Status__c": "None if status is None else config['work_order'][status]",
    "Status": "None if status is None else config['case_status'][status]",
    "QD_Completed_At__c": "completed_at",
    "QD_Assigned_At__c": "status_assigned_at",
    "QD_En_Route_At__c": "status_en_route_at",
    "QD_In_Progress_At__c": "status_in_progress_at",
    "QD_Cancelled_At__c": "status_cancelled_at",
    "Equipment_Model__c": "custom_equipment_model",
    "Parts_Used__c": "None if custom_parts_used is None else custom_parts_used[:32000]",
    "Site_Conditions__c": "custom_site_conditions",
    "Service_Tier__c": "custom_service_tier",
    "Warranty_Claim__c": "False if custom_warranty_claim is None else custom_warranty_claim",
    "Estimated_Hours__c": "custom_estimated_hours",
    "Install_Date__c": "custom_install_date",
    "OwnerId": "config['users'].get(assigned_technician_ids[0], config['fallback']) "
    # simpleeval has no len(): "exactly one" is "some, and nothing after the first".
    "if assigned_technician_ids and not assigned_technician_ids[1:] "
    "else config['fallback']",
}

_STRING = {"type": ["string", "null"]}
_JOB_SCHEMA = {
    "type": "object",
    "properties": {
        **{
            name: _STRING
            for name in (
                "id",
                "number",
                "customer_id",
                "title",
                "description",
                "urgency",
                "channel",
                "status",
                "custom_equipment_model",
                "custom_parts_used",
                "custom_site_conditions",
                "custom_service_tier",
            )
        },
        **{
            name: {"type": ["string", "null"], "format": "date-time"}
            for name in (
                "completed_at",
                "status_assigned_at",
                "status_en_route_at",
                "status_in_progress_at",
                "status_cancelled_at",
            )
        },
        "custom_warranty_claim": {"type": ["boolean", "null"]},
        "custom_estimated_hours": {"type": ["string", "null"]},
        "custom_install_date": {"type": ["string", "null"], "format": "date"},
        "assigned_technician_ids": {"type": ["array", "null"], "items": {"type": "string"}},
    },
}


class MissingAccountError(LookupError):
    """A job's customer has no Account: the spec's ``missing fail``."""


def _account_of(accounts: Mapping[str, str]) -> Callable[[str | None], str | None]:
    def account(customer: str | None) -> str | None:
        if customer is None:
            return None
        found = accounts.get(customer)
        if found is None:
            raise MissingAccountError(f"no Account was loaded for customers {customer!r}")
        return found

    return account


def _user_of(users: Mapping[str, str]) -> Callable[[str | None], str]:
    find = users.get
    return lambda key: FALLBACK_USER if key is None else find(key, FALLBACK_USER)


def jsonatapy_mapper(accounts: Mapping[str, str], users: Mapping[str, str] | None = None) -> Mapper:
    """jsonatapy (JSONata in Rust), one record per ``evaluate``. The lookup table is
    a registered host function: passed as a per-call binding, jsonatapy converts
    the 5,000-entry dict on every call (about 70x slower)."""
    expression = jsonatapy.compile(JSONATA)
    find = accounts.get
    expression.register("account", lambda key: None if key is None else find(key))
    expression.register("user", _user_of(users or {}))
    return expression.evaluate


def jsonata2py_mapper(accounts: Mapping[str, str], users: Mapping[str, str] | None = None) -> Mapper:
    """jsonata2py (JSONata compiled to Python), with the lookup as a host function."""
    expression = jsonata2py.compile(JSONATA)
    find = accounts.get
    expression.register_function("account", lambda key: None if key is None else find(key))
    expression.register_function("user", _user_of(users or {}))
    return expression.evaluate


def jq_mapper(accounts: Mapping[str, str], users: Mapping[str, str] | None = None) -> Mapper:
    """jq (the libjq bindings), the lookup tables bound once as ``$accounts`` and
    ``$users``."""
    program = jq.compile(JQ, args={"accounts": dict(accounts), "users": dict(users or {}),
                                   "fallback": FALLBACK_USER})
    return lambda record: program.input_value(record).first()


def singer_mapper(accounts: Mapping[str, str], users: Mapping[str, str] | None = None) -> Mapper:
    """Singer SDK stream maps, configured as a tap's ``stream_maps`` setting and
    applied through ``PluginMapper`` as a tap applies them to its records."""
    mapper = PluginMapper(
        plugin_config={
            "stream_maps": {"jobs": dict(SINGER_MAP)},
            "stream_map_config": {
                "accounts": dict(accounts),
                "priority": PRIORITY,
                "origin": ORIGIN,
                "work_order": WORK_ORDER,
                "case_status": CASE_STATUS,
                "users": dict(users or {}),
                "fallback": FALLBACK_USER,
            },
        },
        logger=logging.getLogger("bench.singer"),
    )
    mapper.register_raw_stream_schema("jobs", _JOB_SCHEMA, ["id"])
    stream_map = mapper.stream_maps["jobs"][0]
    return stream_map.transform


def glom_mapper(accounts: Mapping[str, str], users: Mapping[str, str] | None = None) -> Mapper:
    """glom, a spec of paths and callables over the typed records."""

    def nullable(function: Callable[[Any], Any]) -> Callable[[Any], Any]:
        return lambda value: None if value is None else function(value)

    def strict(table: Mapping[str, str], name: str) -> Callable[[Any], Any]:
        def look_up(value: str) -> str:
            if value not in table:
                raise LookupError(f"no {name} for {value!r}")
            return table[value]

        return nullable(look_up)

    spec = {
        "QD_Job_Id__c": "id",
        "QD_Job_Number__c": "number",
        "AccountId": ("customer_id", _account_of(accounts)),
        "Subject": ("title", nullable(lambda s: truncate(trim(s), 255))),
        "Description": ("description", nullable(lambda s: truncate(s, 32000))),
        "Priority": ("urgency", nullable(lambda u: PRIORITY.get(u, "Medium"))),
        "Origin": ("channel", nullable(lambda c: ORIGIN.get(c, c))),
        "QD_Channel__c": "channel",
        "Work_Order_Status__c": ("status", strict(WORK_ORDER, "work_order_status")),
        "Status": ("status", strict(CASE_STATUS, "case_status")),
        "QD_Completed_At__c": "completed_at",
        "QD_Assigned_At__c": "status_assigned_at",
        "QD_En_Route_At__c": "status_en_route_at",
        "QD_In_Progress_At__c": "status_in_progress_at",
        "QD_Cancelled_At__c": "status_cancelled_at",
        "Equipment_Model__c": "custom_equipment_model",
        "Parts_Used__c": ("custom_parts_used", nullable(lambda s: truncate(s, 32000))),
        "Site_Conditions__c": "custom_site_conditions",
        "Service_Tier__c": "custom_service_tier",
        "Warranty_Claim__c": glom.Coalesce("custom_warranty_claim", skip=(None,), default=False),
        "Estimated_Hours__c": "custom_estimated_hours",
        "Install_Date__c": "custom_install_date",
        "OwnerId": ("assigned_technician_ids", owner_of(users or {})),
    }
    compiled = glom.Glommer()
    return lambda record: compiled.glom(record, spec)


PEERS: dict[str, tuple[Callable[..., Mapper], bool]] = {
    "jsonatapy": (jsonatapy_mapper, True),
    "jsonata2py": (jsonata2py_mapper, True),
    "singer-sdk": (singer_mapper, True),
    "jq": (jq_mapper, True),
    "glom": (glom_mapper, False),
}
"""Each peer's builder, and whether it is given (and compared in) ``json_form``."""


def describe(name: str) -> str:
    """What the peer is given and how its output is compared, for the notes."""
    if PEERS[name][1]:
        return f"given JSON records ({JSON_FORM}); compared on the same JSON form"
    return "given the typed records; compared as is"
