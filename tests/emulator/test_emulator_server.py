"""Starting and stopping: the CLI's JSON line, SIGTERM, TLS, persistence."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from email.utils import parsedate_to_datetime
from pathlib import Path

import requests

from crossmap_salesforce.emulator import ManualClock, OrgHandle, running_org


def test_cli_prints_one_json_line_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "crossmap_salesforce.emulator", "--port", "0",
         "--data-dir", str(tmp_path), "--seed", "7"],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert proc.stdout is not None
        info = json.loads(proc.stdout.readline())
        assert set(info) >= {"instance_url", "ca_file", "access_token", "username", "password"}
        assert info["instance_url"].startswith("https://127.0.0.1:")
        with requests.Session() as s:
            r = s.get(info["instance_url"] + "/services/data/v59.0/limits",
                      headers={"Authorization": f"Bearer {info['access_token']}"},
                      verify=info["ca_file"])
        assert r.status_code == 200
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


def test_the_server_certificate_is_issued_by_the_ca_in_the_data_dir(org: OrgHandle) -> None:
    assert Path(org.ca_file).read_text().startswith("-----BEGIN CERTIFICATE-----")
    with requests.Session() as s:
        s.trust_env = False
        r = s.get(org.instance_url + "/services/data", verify=org.ca_file,
                  headers={"Authorization": f"Bearer {org.access_token}"})
    assert r.status_code == 200


def test_the_handle_carries_a_ready_client_on_https(org: OrgHandle) -> None:
    assert org.sf.base_url == f"{org.instance_url}/services/data/v59.0/"
    assert org.sf.session_id == org.access_token
    assert org.sf.query("SELECT Name FROM Organization")["records"][0]["Name"]


def test_secrets_are_not_in_the_handle_repr(org: OrgHandle) -> None:
    text = repr(org)
    assert org.access_token not in text and org.password not in text
    assert org.client_secret not in text


def test_data_survive_a_restart(tmp_path: Path) -> None:
    with running_org(tmp_path) as first:
        sf = first.salesforce()
        created = sf.Account.create({"Name": "Persistent"})
        sf.session.close()
        password = first.password
    with running_org(tmp_path) as second:
        sf = second.salesforce()
        try:
            assert sf.Account.get(created["id"])["Name"] == "Persistent"
            assert second.password == password
        finally:
            sf.session.close()


def test_the_date_header_and_created_date_come_from_the_orgs_clock(org: OrgHandle, clock: ManualClock) -> None:
    """A real org stamps ``CreatedDate`` ("Date and time when this record was created",
    Salesforce, *System Fields*,
    https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/system_fields.htm) and
    dates its HTTP responses from its servers' time; the emulator uses one clock for both,
    an injected one included, and stamps ``CreatedById`` with the session's user."""
    now = clock()
    with requests.Session() as s:
        r = s.get(org.instance_url + "/services/data/v59.0/limits", verify=org.ca_file,
                  headers={"Authorization": f"Bearer {org.access_token}"})
    assert r.headers["Date"].count("GMT") == 1  # one Date header, the application's
    assert parsedate_to_datetime(r.headers["Date"]) == now.replace(microsecond=0)
    created = org.sf.Account.create({"Name": "Stamped"})["id"]
    record = org.sf.Account.get(created)
    assert org.emulator is not None
    assert record["CreatedById"] == org.emulator.org.admin_id
    assert record["CreatedDate"].startswith(now.strftime("%Y-%m-%dT%H:%M:%S"))
