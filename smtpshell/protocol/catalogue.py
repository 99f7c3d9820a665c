"""The command catalogue: every SMTP verb smtpshell knows, as data.

One entry per verb feeds the completer, the lexer, ``/help VERB``, the
toolbar's syntax line, the ``/pipeline`` text and the state machine's hints.
Each entry says what its argument is (:class:`ArgShape`) and whether it
identifies the client, so no other module keeps a list of verbs. Adding a verb
is one entry here. Parameters that extensions add to MAIL and RCPT are listed once in
:data:`MAIL_PARAMETERS` / :data:`RCPT_PARAMETERS`, each with the EHLO keyword
that enables it.
"""

from __future__ import annotations

from enum import Enum

from ..i18n import t
from ..records import NamedTuple


class ArgShape(Enum):
    """What follows a verb on its line. The lexer, the completer and /help read it."""

    NONE = "none"  # DATA, RSET, QUIT, STARTTLS: any argument is an error
    DOMAIN = "domain"  # a domain or address literal (EHLO, HELO, LHLO, ETRN)
    ENVELOPE = "envelope"  # FROM:<path> / TO:<path> [PARAM[=value] ...] (MAIL, RCPT): see protocol.envelope
    MECHANISM = "mechanism"  # a SASL mechanism, then an optional base64 initial response (AUTH)
    ATTRIBUTES = "attributes"  # NAME=value words from a fixed list (XCLIENT, XFORWARD)
    CHUNK_SIZE = "chunk-size"  # a byte count, then optional LAST (BDAT)
    TOPIC = "topic"  # free text, where a verb name is the usual topic (HELP)
    TEXT = "text"  # free text (VRFY, EXPN, NOOP's optional string)



class Parameter(NamedTuple):
    """An ESMTP parameter of MAIL or RCPT (``SIZE=12345``, ``SMTPUTF8``)."""

    name: str
    syntax: str
    english: str  # what it is, in English; ``summary`` is the same in the current language
    extension: str  # EHLO keyword that enables it
    rfc: str
    values: tuple[str, ...] = ()  # fixed values to offer, if any
    takes_value: bool = True

    @property
    def summary(self) -> str:
        return _parameter_words().get(self.name) or self.english


class Verb(NamedTuple):
    name: str
    syntax: str
    english: str  # what it does, in English; ``summary`` is the same in the current language
    rfc: str
    extension: str | None = None  # EHLO keyword that enables it; None: base SMTP
    keyword: str | None = None  # "FROM:" / "TO:" after the verb
    parameters: tuple[Parameter, ...] = ()
    arguments: tuple[str, ...] = ()  # fixed first arguments to complete
    # RFC 2920 3.1 (and 3207, 4954): may only be the last command of a
    # pipelined group, so a pipelining client waits for every reply after it.
    ends_group: bool = False
    argument: ArgShape = ArgShape.NONE
    identifies_client: bool = False  # the argument names the client (EHLO/HELO/LHLO): offer host names
    null_path: bool = False  # the path may be <> (MAIL's reverse-path of bounces and DSNs)

    @property
    def summary(self) -> str:
        return _verb_words().get(self.name) or self.english


# The summaries in the current language, looked up when shown (the table is built at import,
# before the language is chosen). tests/test_catalogue_words.py checks they match the table's English.
def _verb_words() -> dict[str, str]:
    return {
        "HELO": t("protocol.verb.helo", "identify yourself (plain SMTP, no extensions)"),
        "EHLO": t("protocol.verb.ehlo", "identify yourself and ask for the server's extensions"),
        "MAIL": t("protocol.verb.mail", "start a mail transaction with the sender's address"),
        "RCPT": t("protocol.verb.rcpt", "add one recipient to the transaction"),
        "DATA": t("protocol.verb.data", "send the message; end it with a line holding only '.'"),
        "RSET": t("protocol.verb.rset", "abort the current transaction, keep the connection"),
        "VRFY": t("protocol.verb.vrfy", "ask whether a mailbox exists (often disabled)"),
        "EXPN": t("protocol.verb.expn", "ask for the members of a mailing list (often disabled)"),
        "HELP": t("protocol.verb.help", "ask the server for help text"),
        "NOOP": t("protocol.verb.noop", "do nothing; the server answers 250 (keeps a session alive)"),
        "QUIT": t("protocol.verb.quit", "end the session politely; the server answers 221 and closes"),
        "STARTTLS": t("protocol.verb.starttls", "upgrade this connection to TLS (after 220)"),
        "AUTH": t("protocol.verb.auth", "authenticate (LOGIN, PLAIN, CRAM-MD5, XOAUTH2, ...)"),
        "BDAT": t("protocol.verb.bdat", "send the next <size> bytes of the message as a chunk (no dot-stuffing)"),
        "ETRN": t("protocol.verb.etrn", "ask the server to flush its queue for a domain"),
        "LHLO": t("protocol.verb.lhlo", "identify yourself to an LMTP server"),
        "XCLIENT": t("protocol.verb.xclient", "Postfix: override client attributes (for trusted proxies)"),
        "XFORWARD": t("protocol.verb.xforward", "Postfix: pass the original client's attributes on (for content filters)"),
    }


def _parameter_words() -> dict[str, str]:
    return {
        "SIZE": t("protocol.parameter.size", "declared message size in bytes"),
        "BODY": t("protocol.parameter.body", "body type of the message"),
        "SMTPUTF8": t("protocol.parameter.smtputf8", "the envelope or headers use UTF-8 (internationalised mail)"),
        "RET": t("protocol.parameter.ret", "what a bounce (DSN) should return"),
        "ENVID": t("protocol.parameter.envid", "envelope id echoed in DSNs"),
        "AUTH": t("protocol.parameter.auth", "the authenticated submitter of this message"),
        "REQUIRETLS": t("protocol.parameter.requiretls", "the message must only travel over TLS"),
        "MT-PRIORITY": t("protocol.parameter.mt_priority", "message transfer priority"),
        "NOTIFY": t("protocol.parameter.notify", "when to send a delivery status notification"),
        "ORCPT": t("protocol.parameter.orcpt", "original recipient, for DSNs"),
    }


MAIL_PARAMETERS: tuple[Parameter, ...] = (
    Parameter("SIZE", "SIZE=<bytes>", "declared message size in bytes", "SIZE", "RFC 1870"),
    Parameter(
        "BODY",
        "BODY=7BIT|8BITMIME|BINARYMIME",
        "body type of the message",
        "8BITMIME",
        "RFC 6152",
        values=("7BIT", "8BITMIME", "BINARYMIME"),
    ),
    Parameter(
        "SMTPUTF8",
        "SMTPUTF8",
        "the envelope or headers use UTF-8 (internationalised mail)",
        "SMTPUTF8",
        "RFC 6531",
        takes_value=False,
    ),
    Parameter(
        "RET", "RET=FULL|HDRS", "what a bounce (DSN) should return", "DSN", "RFC 3461",
        values=("FULL", "HDRS"),
    ),
    Parameter("ENVID", "ENVID=<xtext>", "envelope id echoed in DSNs", "DSN", "RFC 3461"),
    Parameter(
        "AUTH",
        "AUTH=<mailbox>|<>",
        "the authenticated submitter of this message",
        "AUTH",
        "RFC 4954",
        values=("<>",),
    ),
    Parameter(
        "REQUIRETLS",
        "REQUIRETLS",
        "the message must only travel over TLS",
        "REQUIRETLS",
        "RFC 8689",
        takes_value=False,
    ),
    Parameter(
        "MT-PRIORITY", "MT-PRIORITY=<-9..9>", "message transfer priority", "MT-PRIORITY",
        "RFC 6710",
    ),
)

RCPT_PARAMETERS: tuple[Parameter, ...] = (
    Parameter(
        "NOTIFY",
        "NOTIFY=NEVER|SUCCESS,FAILURE,DELAY",
        "when to send a delivery status notification",
        "DSN",
        "RFC 3461",
        values=("NEVER", "SUCCESS", "FAILURE", "DELAY", "SUCCESS,FAILURE,DELAY"),
    ),
    Parameter("ORCPT", "ORCPT=rfc822;<address>", "original recipient, for DSNs", "DSN", "RFC 3461"),
)

_VERBS: tuple[Verb, ...] = (
    Verb("HELO", "HELO <domain>", "identify yourself (plain SMTP, no extensions)", "RFC 5321 4.1.1.1",
         ends_group=True, argument=ArgShape.DOMAIN, identifies_client=True),
    Verb("EHLO", "EHLO <domain>", "identify yourself and ask for the server's extensions", "RFC 5321 4.1.1.1",
         ends_group=True, argument=ArgShape.DOMAIN, identifies_client=True),
    Verb(
        "MAIL",
        "MAIL FROM:<reverse-path> [parameters]",
        "start a mail transaction with the sender's address",
        "RFC 5321 4.1.1.2",
        keyword="FROM:",
        parameters=MAIL_PARAMETERS,
        argument=ArgShape.ENVELOPE,
        null_path=True,
    ),
    Verb(
        "RCPT",
        "RCPT TO:<forward-path> [parameters]",
        "add one recipient to the transaction",
        "RFC 5321 4.1.1.3",
        keyword="TO:",
        parameters=RCPT_PARAMETERS,
        argument=ArgShape.ENVELOPE,
    ),
    Verb("DATA", "DATA", "send the message; end it with a line holding only '.'", "RFC 5321 4.1.1.4", ends_group=True),
    Verb("RSET", "RSET", "abort the current transaction, keep the connection", "RFC 5321 4.1.1.5"),
    Verb("VRFY", "VRFY <user or mailbox>", "ask whether a mailbox exists (often disabled)", "RFC 5321 4.1.1.6",
         ends_group=True, argument=ArgShape.TEXT),
    Verb("EXPN", "EXPN <mailing list>", "ask for the members of a mailing list (often disabled)", "RFC 5321 4.1.1.7",
         ends_group=True, argument=ArgShape.TEXT),
    Verb("HELP", "HELP [<topic>]", "ask the server for help text", "RFC 5321 4.1.1.8",
         ends_group=True, argument=ArgShape.TOPIC),
    # RFC 5321 4.1.1.9 allows NOOP [SP String]; the syntax line shows the usual form.
    Verb("NOOP", "NOOP", "do nothing; the server answers 250 (keeps a session alive)", "RFC 5321 4.1.1.9",
         ends_group=True, argument=ArgShape.TEXT),
    Verb("QUIT", "QUIT", "end the session politely; the server answers 221 and closes", "RFC 5321 4.1.1.10", ends_group=True),
    Verb("STARTTLS", "STARTTLS", "upgrade this connection to TLS (after 220)", "RFC 3207", extension="STARTTLS", ends_group=True),
    Verb(
        "AUTH",
        "AUTH <mechanism> [<initial-response>]",
        "authenticate (LOGIN, PLAIN, CRAM-MD5, XOAUTH2, ...)",
        "RFC 4954",
        extension="AUTH",
        arguments=("LOGIN", "PLAIN", "CRAM-MD5", "XOAUTH2", "OAUTHBEARER", "SCRAM-SHA-256"),
        ends_group=True,
        argument=ArgShape.MECHANISM,
    ),
    Verb(
        "BDAT",
        "BDAT <size> [LAST]",
        "send the next <size> bytes of the message as a chunk (no dot-stuffing)",
        "RFC 3030",
        extension="CHUNKING",
        arguments=("LAST",),
        argument=ArgShape.CHUNK_SIZE,
    ),
    Verb("ETRN", "ETRN <domain>", "ask the server to flush its queue for a domain", "RFC 1985", extension="ETRN",
         ends_group=True, argument=ArgShape.DOMAIN),
    Verb("LHLO", "LHLO <domain>", "identify yourself to an LMTP server", "RFC 2033",
         ends_group=True, argument=ArgShape.DOMAIN, identifies_client=True),
    Verb(
        "XCLIENT",
        "XCLIENT NAME=... ADDR=... [attribute=value ...]",
        "Postfix: override client attributes (for trusted proxies)",
        "Postfix XCLIENT_README",
        extension="XCLIENT",
        arguments=("NAME=", "ADDR=", "PORT=", "PROTO=", "HELO=", "LOGIN=", "DESTADDR=", "DESTPORT="),
        argument=ArgShape.ATTRIBUTES,
    ),
    Verb(
        "XFORWARD",
        "XFORWARD NAME=... ADDR=... [attribute=value ...]",
        "Postfix: pass the original client's attributes on (for content filters)",
        "Postfix XFORWARD_README",
        extension="XFORWARD",
        arguments=("NAME=", "ADDR=", "PORT=", "PROTO=", "HELO=", "IDENT=", "SOURCE="),
        argument=ArgShape.ATTRIBUTES,
    ),
)

VERBS: dict[str, Verb] = {v.name: v for v in _VERBS}


def group_enders() -> list[str]:
    """Verbs that must end a pipelined group (RFC 2920 3.1), in catalogue order."""
    return [v.name for v in VERBS.values() if v.ends_group]


def lookup(word: str) -> Verb | None:
    """The catalogue entry for ``word`` (any case), or None."""
    return VERBS.get(word.upper())


def parameter(verb: str, name: str) -> Parameter | None:
    entry = lookup(verb)
    if entry is None:
        return None
    for p in entry.parameters:
        if p.name == name.upper():
            return p
    return None
