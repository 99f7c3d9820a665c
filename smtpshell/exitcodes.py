"""Exit statuses, one place (the README's table is generated from the same words)."""

from .i18n import t

OK = 0  # every reply was 2xx/3xx
INTERNAL = 1  # a bug in smtpshell (reported in one line, never a traceback)
USAGE = 2  # bad flag, bad target, missing file; a script line refused or not carried out
CONNECTION = 3  # could not connect, TLS failed, timed out, lost the connection, unreadable server
TRANSIENT = 4  # at least one 4xx reply (and no 5xx)
PERMANENT = 5  # at least one 5xx reply
MISMATCH = 6  # replay: the server's replies differ from the transcript
INTERRUPTED = 130  # Ctrl-C


def descriptions() -> dict[int, str]:
    """What each exit status means, in the current language (``--help`` prints them)."""
    return {
        OK: t("exitcodes.ok", "success: no reply was 4xx or 5xx"),
        INTERNAL: t("exitcodes.internal", "internal error in smtpshell (please report it)"),
        USAGE: t("exitcodes.usage", "usage error: bad flag or argument, missing file, or a script line that smtpshell refused or could not carry out (e.g. CR/LF inside a line, no credentials)"),
        CONNECTION: t("exitcodes.connection", "connection error: refused, unknown host, TLS failure, timeout, connection lost, or a reply that is not SMTP"),
        TRANSIENT: t("exitcodes.transient", "a 4xx reply (transient failure) was seen, and no 5xx"),
        PERMANENT: t("exitcodes.permanent", "a 5xx reply (permanent failure) was seen"),
        MISMATCH: t("exitcodes.mismatch", "replay: the server's replies differ from the transcript"),
        INTERRUPTED: t("exitcodes.interrupted", "interrupted with Ctrl-C"),
    }
