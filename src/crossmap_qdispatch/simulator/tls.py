"""A locally generated CA and a server certificate for 127.0.0.1 (via ``trustme``)."""

from __future__ import annotations

from pathlib import Path

import trustme
from attrs import frozen


@frozen
class TlsFiles:
    """Paths of the CA bundle clients trust and the server's key + chain."""

    ca_file: Path
    cert_file: Path
    key_file: Path


def make_tls(directory: Path) -> TlsFiles:
    """Write a fresh CA and a certificate for ``127.0.0.1``/``localhost`` into
    ``directory``."""
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    files = TlsFiles(directory / "ca.pem", directory / "server.pem", directory / "server.key")
    ca.cert_pem.write_to_path(str(files.ca_file))
    cert.private_key_pem.write_to_path(str(files.key_file))
    cert.cert_chain_pems[0].write_to_path(str(files.cert_file))
    for extra in cert.cert_chain_pems[1:]:
        extra.write_to_path(str(files.cert_file), append=True)
    return files
