"""The TLS settings a session asks for, as plain data.

Kept apart from :mod:`.tls` (which imports ssl and the certificate tools) so
that a plaintext session never loads them.
"""

from __future__ import annotations

import os

from ..i18n import t
from ..records import NamedTuple


class TLSOptions(NamedTuple):  # not a dataclass: dataclasses costs ms at every start
    cafile: str | None = None
    insecure: bool = False
    certfile: str | None = None
    keyfile: str | None = None
    keylog: str | None = None
    sni: str | None = None  # override the name sent and checked
    require_tls: bool = False  # refuse AUTH and MAIL until TLS is on (see drivers.tls_policy)
    min_version: str | None = None  # --tls-version: "1.2" (None: the ssl module's default)
    max_version: str | None = None
    ciphers: str | None = None  # --ciphers: an OpenSSL cipher list (TLS 1.2 and older)

    @property
    def keylog_path(self) -> str | None:
        return self.keylog or os.environ.get("SSLKEYLOGFILE") or None


TLS_VERSIONS = ("1.0", "1.1", "1.2", "1.3")


class BadTLSVersion(ValueError):
    pass


def parse_tls_version(text: str) -> tuple[str | None, str | None]:
    """--tls-version: '1.2' (exactly), '1.2-' (or newer), '-1.2' (or older), '1.2-1.3' (a range)."""
    low, dash, high = text.strip().partition("-")
    if not dash:
        high = low
    for part in (low, high):
        if part and part not in TLS_VERSIONS:
            raise BadTLSVersion(t("tls.version.bad", "--tls-version {text}: versions are {versions}; write 1.2, 1.2-1.3, 1.2- (or newer) or -1.2 (or older)", text=text,
                                  versions=", ".join(TLS_VERSIONS)))
    if not low and not high:
        raise BadTLSVersion(t("tls.version.empty", "--tls-version {text}: give a version, e.g. 1.2 or 1.2-1.3", text=text))
    if low and high and TLS_VERSIONS.index(low) > TLS_VERSIONS.index(high):
        raise BadTLSVersion(t("tls.version.order", "--tls-version {text}: the lowest version comes first (e.g. 1.2-1.3)",
                              text=text))
    return low or None, high or None
