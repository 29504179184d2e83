"""The emulator's TLS material: a local CA and a server certificate for 127.0.0.1,
generated with trustme on first start and kept in the data directory so a client's
``ca_file`` stays valid across restarts."""

from __future__ import annotations

from pathlib import Path

import trustme
from attrs import frozen

from crossmap.private_files import write_private


@frozen
class TlsFiles:
    """Paths of the CA certificate (for clients) and the server's key and chain."""

    ca_file: Path
    server_pem: Path


def ensure_tls(data_dir: Path) -> TlsFiles:
    """Create (once) and return the CA and server certificate files."""
    files = TlsFiles(data_dir / "ca.pem", data_dir / "server.pem")
    if not (files.ca_file.exists() and files.server_pem.exists()):
        ca = trustme.CA(organization_name="crossmap Salesforce emulator")
        cert = ca.issue_cert("127.0.0.1", "localhost")
        # Owner-only like the org's data beside them (the key must be, whatever the umask).
        write_private(files.ca_file, ca.cert_pem.bytes())
        write_private(files.server_pem, cert.private_key_and_cert_chain_pem.bytes())
    return files
