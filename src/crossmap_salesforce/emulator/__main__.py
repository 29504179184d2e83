"""``python -m crossmap_salesforce.emulator --port 0 --data-dir DIR [--seed N]``.

Serves the org over HTTPS on 127.0.0.1, prints one JSON line (instance_url, ca_file,
access_token, username, password, client_id, client_secret) and runs until SIGTERM
or SIGINT, which shut it down cleanly.
"""

from __future__ import annotations

import json
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

import click

from crossmap_salesforce.emulator.faults import FaultPlan
from crossmap_salesforce.emulator.orgdef import OrgSettings
from crossmap_salesforce.emulator.runner import ServerThread, open_org


@click.command()
@click.option("--port", type=int, default=0, show_default=True, help="0 picks a free port.")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), required=True)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of fault injection.")
@click.option("--fault-lock-rate", type=float, default=0.0, help="Share of writes failing UNABLE_TO_LOCK_ROW.")
@click.option("--fault-503-rate", type=float, default=0.0, help="Share of API calls answered 503.")
@click.option("--fault-latency-ms", type=int, default=0, help="Latency added to every API call.")
@click.option("--fault-bulk-fail-rate", type=float, default=0.0, help="Share of Bulk jobs ending Failed.")
@click.option("--set-audit-fields/--no-set-audit-fields", default=False,
              help="Allow CreatedDate & co. on insert.")
@click.option("--daily-api-requests", type=int, default=OrgSettings().daily_api_requests)
@click.option("--bulk-api-hard-delete/--no-bulk-api-hard-delete", default=False,
              help='Grant the "Bulk API Hard Delete" permission (hardDelete jobs).')
def main(port: int, data_dir: Path, seed: int, fault_lock_rate: float, fault_503_rate: float,
         fault_latency_ms: int, fault_bulk_fail_rate: float, set_audit_fields: bool,
         daily_api_requests: int, bulk_api_hard_delete: bool) -> None:
    """Run a local Salesforce org emulator."""
    faults = FaultPlan(seed=seed, lock_row_rate=fault_lock_rate,
                       unavailable_rate=fault_503_rate, latency_ms=fault_latency_ms,
                       bulk_fail_rate=fault_bulk_fail_rate)
    settings = OrgSettings(set_audit_fields=set_audit_fields,
                           daily_api_requests=daily_api_requests,
                           bulk_api_hard_delete=bulk_api_hard_delete)
    emulator = open_org(data_dir, settings=settings, faults=faults)
    server = ServerThread(emulator, data_dir, port)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        url = server.start()
        org = emulator.org
        creds = org.credentials
        click.echo(json.dumps({
            "instance_url": url, "ca_file": str(server.ca_file),
            "access_token": org.auth.issue(org.admin_id), "username": creds.username,
            "password": creds.password, "client_id": creds.client_id,
            "client_secret": creds.client_secret,
        }))
        sys.stdout.flush()
        while not stop.wait(0.5):
            pass
    finally:
        server.stop()
        emulator.close()


if __name__ == "__main__":
    main()
