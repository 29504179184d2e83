"""Schemathesis runs the simulator against ``openapi.yaml``: every documented
operation, a bounded number of generated requests each, every response checked for
status code, content type, headers and body schema."""

from __future__ import annotations

from collections.abc import Iterator
from importlib.resources import files
from typing import Any

import pytest
import requests
import schemathesis
import yaml  # type: ignore[import-untyped]
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from crossmap_qdispatch.generator import generate
from crossmap_qdispatch.objects import OBJECTS
from crossmap_qdispatch.simulator import Faults, Limits, Simulator

# The coverage phase would enumerate every boundary case of every parameter (thousands
# of requests); examples + fuzzing with a few examples each keeps this test short.
CONFIG = schemathesis.config.SchemathesisConfig.from_dict({
    "phases": {"coverage": {"enabled": False}}})
SCHEMA = schemathesis.openapi.from_path(str(files("crossmap_qdispatch") / "openapi.yaml"),
                                        config=CONFIG)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance]


@pytest.fixture(scope="module", name="simulator")
def contract_simulator() -> Iterator[Simulator]:
    # Generous limits: this test is about the shape of answers, not throttling.
    with Simulator(seed=11, scale=1, faults=Faults(), limits=Limits(100_000, 1_000_000)) as sim:
        yield sim


@pytest.fixture(scope="module", name="session")
def contract_session(simulator: Simulator) -> Iterator[requests.Session]:
    with requests.Session() as s:
        # verify= per request: REQUESTS_CA_BUNDLE in the environment would override
        # a session-level setting.
        token = s.post(f"{simulator.base_url}/v1/oauth/token", verify=str(simulator.ca_file),
                       data={
            "grant_type": "client_credentials", "client_id": simulator.client_id,
            "client_secret": simulator.client_secret}).json()["access_token"]
        s.headers["Authorization"] = f"Bearer {token}"
        yield s


@SCHEMA.parametrize()
@settings(max_examples=8, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
def test_simulator_honours_the_contract(case: schemathesis.Case[Any], simulator: Simulator,
                                        session: requests.Session) -> None:
    response = case.call_and_validate(base_url=simulator.base_url, session=session,
                                      checks=CHECKS, verify=str(simulator.ca_file))
    assert response.status_code < 500


def test_the_document_describes_exactly_the_generated_fields() -> None:
    """Every object has its list and get operations, and each record schema lists
    exactly the fields the generator (and so the simulator) produces."""
    doc = yaml.safe_load((files("crossmap_qdispatch") / "openapi.yaml").read_text())
    schemas = doc["components"]["schemas"]
    for info in OBJECTS:
        assert f"/v1/{info.name}" in doc["paths"] and f"/v1/{info.name}/{{id}}" in doc["paths"]
        listing = doc["paths"][f"/v1/{info.name}"]["get"]["responses"]["200"]
        if "$ref" in listing:
            listing = doc["components"]["responses"][listing["$ref"].rsplit("/", 1)[1]]
        ref = listing["content"]["application/json"]["schema"]["properties"]["data"]["items"]
        schema = schemas[ref["$ref"].rsplit("/", 1)[1]]
        record = next(generate(3, 1, [info.name])).record
        assert set(schema["properties"]) == set(record), info.name
        assert set(schema["required"]) == set(record), info.name
