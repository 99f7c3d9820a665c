"""--tls-version and --ciphers applied to an SSL context (what admins take swaks for).

The lowest and highest protocol versions go to ``SSLContext.minimum_version``
and ``maximum_version``; the cipher list (OpenSSL syntax, e.g.
``ECDHE+AESGCM``) to ``set_ciphers``, which governs TLS 1.2 and older (TLS 1.3
suites are fixed by OpenSSL). TLS 1.0 and 1.1 may still be refused by the
local OpenSSL's security level: the handshake error says so.
"""

from __future__ import annotations

import ssl

from ..i18n import t
from .tls_options import TLSOptions

_VERSIONS = {
    "1.0": ssl.TLSVersion.TLSv1,
    "1.1": ssl.TLSVersion.TLSv1_1,
    "1.2": ssl.TLSVersion.TLSv1_2,
    "1.3": ssl.TLSVersion.TLSv1_3,
}


class UnusableLimit(ValueError):
    """The local OpenSSL cannot do what was asked; str() is one line for the user."""


def apply_limits(ctx: ssl.SSLContext, options: TLSOptions) -> None:
    """Raises UnusableLimit."""
    try:
        if options.min_version:
            ctx.minimum_version = _VERSIONS[options.min_version]
        if options.max_version:
            ctx.maximum_version = _VERSIONS[options.max_version]
    except (ValueError, ssl.SSLError) as exc:
        raise UnusableLimit(t("tls.version.unusable", "--tls-version: this OpenSSL cannot use that version ({reason})",
                              reason=exc)) from None
    if options.ciphers:
        try:
            ctx.set_ciphers(options.ciphers)
        except ssl.SSLError:
            raise UnusableLimit(t("tls.ciphers.unknown", "--ciphers {ciphers}: OpenSSL knows no cipher by that list (see 'openssl ciphers -v')", ciphers=options.ciphers)) from None
