"""Decoders that turn an EHLO keyword's parameters into words.

Each takes the parameters as sent (server text: the caller escapes it before
display) and returns a short phrase, or "" when there is nothing to say.
"""

from __future__ import annotations

from collections.abc import Callable

from ..i18n import t

_UNITS = (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10))

# Mechanisms that send the password itself (only base64-encoded).
CLEARTEXT_MECHANISMS = frozenset({"PLAIN", "LOGIN"})


def human_size(n: int) -> str:
    """52428800 -> '50 MiB'; 10240000 -> '9.77 MiB (10240000 bytes)'."""
    for unit, factor in _UNITS:
        if n >= factor:
            if n % factor == 0:
                return f"{n // factor} {unit}"
            return t("value.size.exact", "{size} {unit} ({bytes} bytes)", size=f"{n / factor:.2f}", unit=unit, bytes=n)
    return t("value.size.bytes", "{bytes} bytes", bytes=n)


def human_seconds(n: int) -> str:
    if n < 120:
        return t("value.seconds", "{n} s", n=n)
    if n < 7200:
        return t("value.seconds.minutes", "{n} s ({minutes} min)", n=n, minutes=f"{n / 60:g}")
    if n < 172800:
        return t("value.seconds.hours", "{n} s ({hours} h)", n=n, hours=f"{n / 3600:g}")
    return t("value.seconds.days", "{n} s ({days} days)", n=n, days=f"{n / 86400:g}")


def decode_size(params: tuple[str, ...], tls: bool | None = None) -> str:
    if not params:
        return t("value.size.none", "no limit announced")
    value = params[0]
    if not value.isdigit():
        return t("value.size.bad", "limit '{value}' is not a number", value=value)
    n = int(value)
    if n == 0:
        return t("value.size.zero", "no fixed limit (0)")
    return t("value.size.limit", "{size} limit", size=human_size(n))


def decode_auth(params: tuple[str, ...], tls: bool | None = None) -> str:
    if not params:
        return t("value.auth.none", "no mechanisms listed")
    mechs = [p.upper() for p in params]
    text = t("value.auth.mechanisms", "mechanisms: {mechanisms}", mechanisms=", ".join(mechs))
    if tls is False and CLEARTEXT_MECHANISMS & set(mechs):
        text += t("value.auth.cleartext", "; without TLS, PLAIN and LOGIN send the password readable")
    return text


def decode_limits(params: tuple[str, ...], tls: bool | None = None) -> str:
    names = {
        "RCPTMAX": t("value.limits.rcptmax", "{n} recipients per message"),
        "RCPTDOMAINMAX": t("value.limits.rcptdomainmax", "{n} recipient domains per message"),
        "MAILMAX": t("value.limits.mailmax", "{n} messages per connection"),
    }
    parts = []
    for p in params:
        name, _, value = p.partition("=")
        template = names.get(name.upper())
        parts.append(template.format(n=value) if template and value.isdigit() else p)
    return "; ".join(parts)


def decode_deliverby(params: tuple[str, ...], tls: bool | None = None) -> str:
    if params and params[0].isdigit():
        return t("value.deliverby.min", "shortest BY= time accepted: {time}", time=human_seconds(int(params[0])))
    return ""


def decode_futurerelease(params: tuple[str, ...], tls: bool | None = None) -> str:
    if len(params) >= 2 and params[0].isdigit():
        return t("value.futurerelease", "hold for at most {time}, or until {date}",
                 time=human_seconds(int(params[0])), date=params[1])
    return ""


def decode_priority(params: tuple[str, ...], tls: bool | None = None) -> str:
    return t("value.priority", "priority policy: {policy}", policy=params[0]) if params else ""


def decode_list(params: tuple[str, ...], tls: bool | None = None) -> str:
    return ", ".join(params)


def decode_attributes(params: tuple[str, ...], tls: bool | None = None) -> str:
    return t("value.attributes", "attributes: {names}", names=", ".join(params)) if params else ""


Decoder = Callable[[tuple[str, ...], "bool | None"], str]

DECODERS: dict[str, Decoder] = {
    "size": decode_size,
    "auth": decode_auth,
    "limits": decode_limits,
    "deliverby": decode_deliverby,
    "futurerelease": decode_futurerelease,
    "priority": decode_priority,
    "list": decode_list,
    "attributes": decode_attributes,
}
