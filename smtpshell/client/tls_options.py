"""The TLS settings a session asks for, as plain data.

Kept apart from :mod:`.tls` (which imports ssl and the certificate tools) so
that a plaintext session never loads them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class TLSOptions:
    cafile: str | None = None
    insecure: bool = False
    certfile: str | None = None
    keyfile: str | None = None
    keylog: str | None = None
    sni: str | None = None  # override the name sent and checked
    require_tls: bool = False  # refuse AUTH and MAIL until TLS is on (see drivers.tls_policy)

    @property
    def keylog_path(self) -> str | None:
        return self.keylog or os.environ.get("SSLKEYLOGFILE") or None
