"""AUTH settings: where credentials come from, and the plaintext-AUTH policy.

Passwords are never accepted as a command-line argument (any user on the
machine can read another's arguments with ``ps``): they come from an
environment variable, ``~/.netrc`` or a hidden prompt.
"""

from __future__ import annotations

from ..i18n import t
from ..records import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    import argparse

    from ..arg_spec import ArgumentSpec

DEFAULT_USER_ENV = "SMTPSHELL_USER"
DEFAULT_PASSWORD_ENV = "SMTPSHELL_PASSWORD"
DEFAULT_TOKEN_ENV = "SMTPSHELL_TOKEN"
MODES = ("auto", "manual")


class AuthOptions(NamedTuple):  # not a dataclass: dataclasses costs ms at every start
    user: str | None = None
    password_env: str = DEFAULT_PASSWORD_ENV
    token_env: str = DEFAULT_TOKEN_ENV
    token_file: str | None = None
    authzid: str = ""
    netrc_file: str | None = None  # None: $NETRC or ~/.netrc
    use_netrc: bool = True
    allow_plaintext_auth: bool = False
    mode: str = "auto"  # "auto": the shell answers 334s; "manual": the user types base64


def add_auth_arguments(parser: argparse.ArgumentParser | ArgumentSpec) -> None:
    # The words are read when the parser is built: the CLI sets the language before that.
    g = parser.add_argument_group(
        "AUTH",
        t("auth.options.group", "credentials come from these flags, the environment, ~/.netrc or a hidden prompt;") + "\n"
        + t("auth.options.no_password_flag", "there is no --password flag: every user of the machine can read arguments (ps)"),
    )
    g.add_argument("--user", metavar="NAME", help=t("auth.options.user", "username for AUTH (also: ${env})", env=DEFAULT_USER_ENV))
    g.add_argument("--password-env", metavar="VAR", default=DEFAULT_PASSWORD_ENV,
                   help=t("auth.options.password_env", "read the AUTH password from this environment variable (default {env})",
                          env=DEFAULT_PASSWORD_ENV))
    g.add_argument("--token-env", metavar="VAR", default=DEFAULT_TOKEN_ENV,
                   help=t("auth.options.token_env", "read the OAuth token (XOAUTH2, OAUTHBEARER) from this variable (default {env})",
                          env=DEFAULT_TOKEN_ENV))
    g.add_argument("--token-file", metavar="FILE", help=t("auth.options.token_file", "read the OAuth token from FILE"))
    g.add_argument("--authzid", metavar="ID", default="",
                   help=t("auth.options.authzid", "authorisation identity for AUTH PLAIN (usually empty)"))
    g.add_argument("--netrc-file", metavar="FILE", help=t("auth.options.netrc_file", "read credentials from FILE instead of ~/.netrc"))
    g.add_argument("--no-netrc", action="store_true", help=t("auth.options.no_netrc", "do not read ~/.netrc"))
    g.add_argument("--allow-plaintext-auth", action="store_true",
                   help=t("auth.options.allow_plaintext", "allow AUTH over an unencrypted connection to a host outside loopback (script mode refuses otherwise)"))
    g.add_argument("--auth-mode", choices=MODES, default="auto",
                   help=t("auth.options.auth_mode", "auto: the shell answers AUTH challenges; manual: you type the base64 yourself (teaching)"))


def from_args(args: argparse.Namespace) -> AuthOptions:
    return AuthOptions(
        user=getattr(args, "user", None),
        password_env=getattr(args, "password_env", None) or DEFAULT_PASSWORD_ENV,
        token_env=getattr(args, "token_env", None) or DEFAULT_TOKEN_ENV,
        token_file=getattr(args, "token_file", None),
        authzid=getattr(args, "authzid", "") or "",
        netrc_file=getattr(args, "netrc_file", None),
        use_netrc=not getattr(args, "no_netrc", False),
        allow_plaintext_auth=bool(getattr(args, "allow_plaintext_auth", False)),
        mode=getattr(args, "auth_mode", None) or "auto",
    )
