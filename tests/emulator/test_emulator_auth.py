"""Authentication: OAuth grants, SOAP login, bearer sessions, expiry."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from emulator_support import Raw
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceAuthenticationFailed, SalesforceExpiredSession

from crossmap_salesforce.emulator import ManualClock, OrgHandle, running_org


def _token(org: OrgHandle, **form: str) -> requests.Response:
    with org.session() as s:
        return s.post(f"{org.instance_url}/services/oauth2/token", data=form)


def test_oauth_password_grant_returns_a_working_token(org: OrgHandle) -> None:
    r = _token(org, grant_type="password", client_id=org.client_id,
               client_secret=org.client_secret, username=org.username, password=org.password)
    assert r.status_code == 200
    body = r.json()
    assert body["instance_url"] == org.instance_url and body["token_type"] == "Bearer"
    with org.session() as s:
        sf = Salesforce(instance_url=body["instance_url"], session_id=body["access_token"],
                        session=s)
        assert sf.query("SELECT COUNT() FROM User")["totalSize"] >= 1


def test_oauth_client_credentials_grant(org: OrgHandle) -> None:
    r = _token(org, grant_type="client_credentials", client_id=org.client_id,
               client_secret=org.client_secret)
    assert r.status_code == 200 and r.json()["access_token"]


def test_oauth_rejects_a_bad_password(org: OrgHandle) -> None:
    r = _token(org, grant_type="password", client_id=org.client_id,
               client_secret=org.client_secret, username=org.username, password="wrong")
    assert r.status_code == 400
    assert r.json() == {"error": "invalid_grant", "error_description": "authentication failure"}


def test_oauth_rejects_an_unknown_client(org: OrgHandle) -> None:
    r = _token(org, grant_type="client_credentials", client_id="nope", client_secret="x")
    assert r.status_code == 400 and r.json()["error"] == "invalid_client_id"


def test_simple_salesforce_soap_login_against_the_emulator(org: OrgHandle) -> None:
    with org.session() as s:
        sf = Salesforce(username=org.username, password=org.password, security_token="",
                        session=s)
        assert sf.sf_instance == org.instance_url.removeprefix("https://")
        assert sf.query("SELECT Id FROM Organization")["totalSize"] == 1


def test_simple_salesforce_oauth_password_login_against_the_emulator(org: OrgHandle) -> None:
    with org.session() as s:
        sf = Salesforce(username=org.username, password=org.password,
                        consumer_key=org.client_id, consumer_secret=org.client_secret, session=s)
        assert sf.query("SELECT COUNT() FROM Profile")["totalSize"] == 2


def test_soap_login_with_a_bad_password_is_a_login_fault(org: OrgHandle) -> None:
    with org.session() as s, pytest.raises(SalesforceAuthenticationFailed) as info:
        Salesforce(username=org.username, password="bad", security_token="", session=s)
    assert "INVALID_LOGIN" in str(info.value)


def test_a_bad_token_gets_401_invalid_session_id_as_a_json_array(raw: Raw) -> None:
    r = raw("GET", "/limits", headers={"Authorization": "Bearer forged"})
    assert r.status_code == 401
    assert r.json() == [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]


def test_a_missing_token_gets_401(org: OrgHandle) -> None:
    with org.session() as s:
        r = s.get(f"{org.instance_url}/services/data/v59.0/sobjects")
    assert r.status_code == 401 and r.json()[0]["errorCode"] == "INVALID_SESSION_ID"


def test_tokens_expire_and_the_client_logs_in_again(tmp_path: Path) -> None:
    # Its own org and clock: moving the shared clock would expire every fixture's token.
    clock = ManualClock()
    with running_org(tmp_path, clock=clock) as org, org.session() as s:
        sf = Salesforce(username=org.username, password=org.password, security_token="",
                        session=s)
        first = sf.session_id
        direct = Salesforce(instance_url=org.instance_url, session_id=first, session=s)
        clock.advance(hours=3)
        with pytest.raises(SalesforceExpiredSession):
            direct.query("SELECT Id FROM Organization")
        # A client that logged in itself re-authenticates on INVALID_SESSION_ID.
        assert sf.query("SELECT Id FROM Organization")["totalSize"] == 1
        assert sf.session_id != first


def test_revoked_tokens_stop_working(org: OrgHandle) -> None:
    token = _token(org, grant_type="client_credentials", client_id=org.client_id,
                   client_secret=org.client_secret).json()["access_token"]
    with org.session() as s:
        assert s.post(f"{org.instance_url}/services/oauth2/revoke",
                      data={"token": token}).status_code == 200
        r = s.get(f"{org.instance_url}/services/data/v59.0/limits",
                  headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401
