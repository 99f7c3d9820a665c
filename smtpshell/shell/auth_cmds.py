"""Shell commands for AUTH: /b64, /unb64, /auth, /login.

/b64 and /unb64 let a student do by hand what AUTH does (their lines are
never saved in the history: see protocol.secrets). /auth switches between the
shell answering AUTH challenges (auto) and the student typing base64 (manual).
"""

from __future__ import annotations

from ..i18n import t
from ..protocol import sasl
from ..records import TYPE_CHECKING
from .registry import ArgKind, command

if TYPE_CHECKING:
    from ..auth.flow import AuthController
    from .context import ShellContext

# Escapes /b64 understands, so a PLAIN string (NUL-separated) can be typed.
ESCAPES = {"\\0": "\0", "\\x00": "\0", "\\x01": "\x01", "\\t": "\t", "\\\\": "\\"}


def unescape(text: str) -> str:
    out, i = [], 0
    while i < len(text):
        for esc, char in ESCAPES.items():
            if text.startswith(esc, i):
                out.append(char)
                i += len(esc)
                break
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


@command("b64", lambda: t("shell.b64.summary", "encode TEXT in base64 (\\0 is NUL, for AUTH PLAIN); not saved in the history"),
         usage="TEXT",
         details=lambda: t("shell.b64.details", "Example: /b64 \\0alice\\0secret is the AUTH PLAIN string for alice."))
async def b64_command(ctx: ShellContext, args: str) -> None:
    if not args:
        ctx.error(t("shell.b64.needs_text", "/b64 needs TEXT: /b64 alice (\\0 stands for NUL: /b64 \\0alice\\0password)"))
        return
    ctx.print([("class:info", f"{sasl.b64encode(unescape(args))}\n")])


@command("unb64", lambda: t("shell.unb64.summary", "decode BASE64 and show it (control characters escaped)"), usage="BASE64")
async def unb64_command(ctx: ShellContext, args: str) -> None:
    data = sasl.b64decode(args)
    if not args or data is None:
        ctx.error(t("shell.unb64.needs_base64", "/unb64 needs valid base64: /unb64 VXNlcm5hbWU6"))
        return
    ctx.print([("class:info", f"{sasl.quoted(data)}\n")])


def _controller(ctx: ShellContext) -> AuthController | None:
    return ctx.runner.auth if ctx.runner is not None else None


@command("auth", lambda: t("shell.auth.summary", "show or set how AUTH works: auto (the shell answers) or manual (you type base64)"),
         usage="[auto|manual]", arg_kind=ArgKind.AUTH_MODE)
async def auth_command(ctx: ShellContext, args: str) -> None:
    controller = _controller(ctx)
    if controller is None:
        ctx.error(t("shell.auth.unavailable", "/auth: AUTH is not available here"))
        return
    choice = args.strip().lower()
    if choice in ("auto", "manual"):
        controller.mode = choice
        if choice == "auto":
            said = t("shell.auth.mode_auto", "AUTH mode: auto: the shell answers each 334 challenge for you")
        else:
            said = t("shell.auth.mode_manual", "AUTH mode: manual: you type each answer in base64 (/b64 TEXT encodes); the shell shows what it means")
        ctx.print([("class:info", f"{said}\n")])
        return
    if choice:
        ctx.error(t("shell.auth.bad_mode", "/auth {choice}: use /auth auto or /auth manual", choice=choice))
        return
    ctx.print([("class:info", controller.describe() + "\n")])


@command("login", lambda: t("shell.login.summary", "log in: the shell picks a mechanism (or uses MECH) and writes the whole AUTH exchange"),
         usage="[MECH] [--initial]", arg_kind=ArgKind.MECHANISM,
         details=lambda: t("shell.login.details", "--initial puts the first answer on the AUTH line itself (RFC 4954 initial response)."))
async def login_command(ctx: ShellContext, args: str) -> None:
    controller = _controller(ctx)
    if controller is None:
        ctx.error(t("shell.login.unavailable", "/login: AUTH is not available here"))
        return
    words = args.split()
    initial = any(w in ("--initial", "-i") for w in words)
    names = [w for w in words if not w.startswith("-")]
    unknown = [w for w in words if w.startswith("-") and w not in ("--initial", "-i")]
    if unknown or len(names) > 1:
        ctx.error(t("shell.login.usage", "/login takes at most a mechanism and --initial: /login PLAIN --initial"))
        return
    await controller.login(names[0].upper() if names else None, initial)
