"""Save the certificate chain a server sent as PEM (/tls save FILE, --tls-save FILE).

What is saved is what the server sent, leaf first, not the chain as verified
(which would add the local trust anchor). Python 3.13 has
``SSLObject.get_unverified_chain``; 3.11 and 3.12 have the same call on the C
object underneath; where neither exists only the leaf can be read
(``getpeercert(binary_form=True)``), and the message says so.
"""

from __future__ import annotations

import _ssl  # the DER constant of certificate objects (not re-exported by ssl)
import ssl
from typing import Any

from .. import events as ev
from ..i18n import t

FULL_CHAIN = "the chain the server sent"
LEAF_ONLY = "only the server's own certificate (this Python cannot read the rest of the chain)"


def sent_chain(obj: ssl.SSLObject) -> tuple[list[bytes], str]:
    """(DER certificates, leaf first; which of FULL_CHAIN / LEAF_ONLY they are)."""
    for holder in (obj, getattr(obj, "_sslobj", None)):
        getter = getattr(holder, "get_unverified_chain", None)
        if getter is None:
            continue
        try:
            certs = getter() or []
        except (ssl.SSLError, ValueError):
            continue
        der = _ssl.ENCODING_DER
        ders = [c if isinstance(c, bytes) else c.public_bytes(der) for c in certs]
        if ders:
            return ders, FULL_CHAIN
    try:
        leaf = obj.getpeercert(binary_form=True)
    except ValueError:
        leaf = None
    return ([leaf], LEAF_ONLY) if leaf else ([], LEAF_ONLY)


def write_pem(path: str, ders: list[bytes]) -> None:
    """Raises OSError."""
    with open(path, "w", encoding="ascii") as handle:
        handle.writelines(ssl.DER_cert_to_PEM_cert(der) for der in ders)


def save_message(path: str, count: int, what: str) -> str:
    if what == FULL_CHAIN:
        words = t("tls.save.full", "the chain the server sent")
    else:
        words = t("tls.save.leaf", "only the server's own certificate (this Python cannot read the rest of the chain)")
    return t("tls.save.done", "saved {count} certificate(s) to {path}: {what}", count=count, path=path, what=words)


def save_chain(connection: Any, path: str) -> ev.Info | ev.Warning:
    """Save the chain of ``connection`` (a ConnectionCore with TLS on); the event to show."""
    from ..untrusted import safe

    ders, what = connection.peer_certificates()
    if not ders:
        return ev.Warning(t("tls.save.none", "the server sent no certificate to save"))
    try:
        write_pem(path, ders)
    except OSError as exc:
        return ev.Warning(t("tls.save.cannot", "cannot save the certificates to {path}: {reason}", path=safe(path),
                            reason=exc.strerror or exc))
    return ev.Info(save_message(safe(path), len(ders), what))
