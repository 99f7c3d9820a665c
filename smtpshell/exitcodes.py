"""Exit statuses, one place (the README's table is generated from the same words)."""

OK = 0  # every reply was 2xx/3xx
INTERNAL = 1  # a bug in smtpshell (reported in one line, never a traceback)
USAGE = 2  # bad flag, bad target, missing file; a script line refused or not carried out
CONNECTION = 3  # could not connect, TLS failed, timed out, lost the connection, unreadable server
TRANSIENT = 4  # at least one 4xx reply (and no 5xx)
PERMANENT = 5  # at least one 5xx reply
MISMATCH = 6  # replay: the server's replies differ from the transcript
INTERRUPTED = 130  # Ctrl-C

DESCRIPTIONS = {
    OK: "success: no reply was 4xx or 5xx",
    INTERNAL: "internal error in smtpshell (please report it)",
    USAGE: "usage error: bad flag or argument, missing file, or a script line that smtpshell refused or could not carry out (e.g. CR/LF inside a line, no credentials)",
    CONNECTION: "connection error: refused, unknown host, TLS failure, timeout, connection lost, or a reply that is not SMTP",
    TRANSIENT: "a 4xx reply (transient failure) was seen, and no 5xx",
    PERMANENT: "a 5xx reply (permanent failure) was seen",
    MISMATCH: "replay: the server's replies differ from the transcript",
    INTERRUPTED: "interrupted with Ctrl-C",
}
