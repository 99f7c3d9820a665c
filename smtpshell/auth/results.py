"""What AUTH replies mean, in the context of AUTH (RFC 4954 6, RFC 3463).

Looked up by (code, enhanced code), then by code alone: data, not if-chains.
"""

from __future__ import annotations

Key = tuple[int, str | None]

EXPLANATIONS: dict[Key, str] = {
    (235, "2.7.0"): "logged in{as_user}: MAIL FROM now runs under that identity",
    (235, None): "logged in{as_user}",
    (334, None): "the server asks a question (a base64 challenge): answer with one base64 line, or '*' to cancel",
    (535, "5.7.8"): "authentication credentials invalid: the username or password (or token) is wrong; check them and try AUTH again",
    (535, None): "authentication failed: the server refused these credentials",
    (534, "5.7.9"): "authentication mechanism is too weak: this server wants a stronger mechanism (or TLS first); see the AUTH line of its EHLO reply",
    (538, "5.7.11"): "encryption required for this mechanism: send STARTTLS, then EHLO again, then AUTH",
    (454, "4.7.0"): "temporary authentication failure: a problem on the server (its password database?); try again later",
    (454, None): "temporary authentication failure; try again later",
    (530, "5.7.0"): "authentication required: log in with AUTH before MAIL FROM",
    (530, None): "authentication required (on some servers: STARTTLS first)",
    (432, "4.7.12"): "a password transition is needed: log in once with PLAIN over TLS to set up the new scheme",
    (500, "5.5.6"): "authentication exchange line is too long",
    (501, "5.7.0"): "the exchange was cancelled ('*')",
    (501, "5.5.2"): "the server could not decode the base64 answer, or its fields",
    (501, None): "syntax error in the AUTH command or answer (bad base64, missing mechanism?)",
    (503, None): "bad sequence: EHLO first, or you are already authenticated (AUTH works once per session)",
    (504, "5.5.4"): "the server does not know that mechanism: the AUTH line of its EHLO reply lists the ones it offers",
    (504, None): "mechanism not supported by this server",
    (500, None): "the server does not know AUTH (did you use HELO instead of EHLO?)",
}


def explain_auth_reply(code: int, enhanced: str | None, user: str | None = None) -> str | None:
    as_user = f" as {user}" if user else ""
    text = EXPLANATIONS.get((code, enhanced)) or EXPLANATIONS.get((code, None))
    return text.format(as_user=as_user) if text else None
