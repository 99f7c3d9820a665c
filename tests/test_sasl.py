"""The sans-I/O SASL steps: RFC vectors, masking, and that secrets stay in ``wire``."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smtpshell.protocol import sasl
from smtpshell.protocol.sasl import Challenge, Credentials, SaslError

ALICE = Credentials("alice", "wonderland-Pa55", authzid="")


def b64(text: str | bytes) -> str:
    return base64.b64encode(text.encode() if isinstance(text, str) else text).decode()


def test_login_answers_username_then_password() -> None:
    mech = sasl.mechanism("LOGIN", ALICE)
    assert mech is not None and mech.needs() == (sasl.USER,)
    first = mech.respond(Challenge.parse(b64("Username:")))
    assert (first.wire, first.shown, first.secret) == (b64("alice"), b64("alice"), False)
    assert first.meaning == 'the username "alice"'
    assert mech.needs() == (sasl.PASSWORD,)
    second = mech.respond(Challenge.parse(b64("Password:")))
    assert base64.b64decode(second.wire) == b"wonderland-Pa55"
    assert second.secret and second.shown == sasl.PASSWORD_HIDDEN
    with pytest.raises(SaslError):
        mech.respond(Challenge.parse(b64("Again?")))


def test_login_initial_response_is_the_username() -> None:
    mech = sasl.Login(ALICE)
    wire, shown, step = mech.auth_line(initial=True)
    assert wire == shown == f"AUTH LOGIN {b64('alice')}"
    assert step is not None and not step.secret
    assert mech.respond(Challenge.parse(b64("Password:"))).secret


def test_plain_rfc4616_layout_and_initial_response() -> None:
    mech = sasl.Plain(Credentials("alice", "pw!", authzid="admin"))
    wire, shown, step = mech.auth_line(initial=True)
    assert wire == "AUTH PLAIN " + b64("admin\0alice\0pw!")
    assert shown == "AUTH PLAIN " + sasl.SECRET_HIDDEN
    assert step is not None and step.secret
    assert step.meaning == 'authzid "admin", NUL, user "alice", NUL, password <password hidden>'


def test_plain_after_an_empty_challenge() -> None:
    step = sasl.Plain(ALICE).respond(Challenge.parse(""))
    assert base64.b64decode(step.wire) == b"\0alice\0wonderland-Pa55"


def test_cram_md5_rfc2195_example() -> None:
    # RFC 2195 section 2: user tim, password tanstaaftanstaaf.
    challenge = Challenge.parse(b64("<1896.697170952@postoffice.reston.mci.net>"))
    step = sasl.CramMD5(Credentials("tim", "tanstaaftanstaaf")).respond(challenge)
    assert step.wire == "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw"
    assert step.secret and "b913a602" not in step.meaning and '"tim"' in step.meaning


def test_cram_md5_has_no_initial_response() -> None:
    with pytest.raises(SaslError):
        sasl.CramMD5(ALICE).auth_line(initial=True)


def test_xoauth2_string_and_error_acknowledgement() -> None:
    mech = sasl.XOAuth2(Credentials("alice", token="tok-123"))
    step = mech.initial()
    assert base64.b64decode(step.wire) == b"user=alice\x01auth=Bearer tok-123\x01\x01"
    assert "tok-123" not in step.meaning and sasl.TOKEN_HIDDEN in step.meaning
    error = Challenge.parse(b64('{"status":"401","schemes":"Bearer"}'))
    assert sasl.describe_error_challenge(error) is not None
    ack = mech.respond(error)
    assert ack.wire == "" and not ack.secret


def test_oauthbearer_rfc7628_layout() -> None:
    mech = sasl.OAuthBearer(Credentials("user@example.com", token="vF9dft4qmT", host="server.example.com", port=587))
    step = mech.initial()
    assert base64.b64decode(step.wire) == (
        b"n,a=user@example.com,\x01host=server.example.com\x01port=587\x01auth=Bearer vF9dft4qmT\x01\x01"
    )
    assert mech.respond(Challenge.parse(b64('{"status":"invalid_token"}'))).wire == b64("\x01")


def test_missing_credential_names_it_without_values() -> None:
    with pytest.raises(SaslError, match="no password"):
        sasl.Plain(Credentials("alice")).respond(Challenge.parse(""))


def test_reprs_never_show_secrets() -> None:
    creds = Credentials("alice", "wonderland-Pa55", token="tok-secret-9")
    step = sasl.Plain(creds).initial()
    for text in (repr(creds), repr(step), str(creds)):
        assert "wonderland-Pa55" not in text and "tok-secret-9" not in text and step.wire not in text


def test_challenge_decoding_escapes_control_characters() -> None:
    assert Challenge.parse(b64("User Name\0")).meaning == '"User Name\\x00"'
    assert Challenge.parse(b64("\x1b[31mred")).meaning == '"\\x1b[31mred"'
    assert Challenge.parse("not base64!").data is None


def test_choose_prefers_challenge_response_then_plain() -> None:
    assert sasl.choose(["LOGIN", "PLAIN", "CRAM-MD5"], have_token=False) == "CRAM-MD5"
    assert sasl.choose(["LOGIN", "PLAIN"], have_token=False) == "PLAIN"
    assert sasl.choose(["XOAUTH2", "PLAIN"], have_token=True) == "XOAUTH2"
    assert sasl.choose(["GSSAPI"], have_token=False) is None


@pytest.mark.parametrize(
    ("mechanism", "index", "challenge", "typed", "secret"),
    [
        ("LOGIN", 0, "Username:", "alice", False),
        ("LOGIN", 1, "Password:", "wonderland-Pa55", True),
        ("LOGIN", 0, "Password:", "wonderland-Pa55", True),  # asked for the password first
        ("PLAIN", 0, "", "\0alice\0wonderland-Pa55", True),
        ("XOAUTH2", 0, "", "user=alice\x01auth=Bearer wonderland-Pa55\x01\x01", True),
        ("GSSAPI", 0, "", "wonderland-Pa55", True),  # unknown: hidden whole
    ],
)
def test_manual_responses_are_masked(mechanism: str, index: int, challenge: str, typed: str, secret: bool) -> None:
    step = sasl.describe_manual_response(mechanism, index, Challenge.parse(b64(challenge)), b64(typed))
    assert step.secret is secret
    for text in (step.shown, step.meaning):
        assert "wonderland-Pa55" not in text and b64("wonderland-Pa55") not in text
        if secret:
            assert b64(typed) not in text


def test_manual_password_typed_without_base64_is_still_hidden() -> None:
    step = sasl.describe_manual_response("LOGIN", 1, Challenge.parse(b64("Password:")), "hunter2-clear")
    assert step.secret and "hunter2-clear" not in step.shown + step.meaning


passwords = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\0"), min_size=4, max_size=40)


@settings(max_examples=60, deadline=None)
@given(password=passwords, user=st.from_regex(r"[a-z][a-z0-9.@-]{0,20}", fullmatch=True))
def test_no_step_displays_the_secret(password: str, user: str) -> None:
    creds = Credentials(user, password, token=password)
    forms = {b64(password), b64(f"\0{user}\0{password}"), b64(f"user={user}\x01auth=Bearer {password}\x01\x01")}
    if len(password.strip()) >= 4 and password not in user and password not in "<password hidden>":
        forms.add(password)
    challenges = {"LOGIN": [b64("Username:"), b64("Password:")], "CRAM-MD5": [b64("<1.2@x>")]}
    for name in sasl.MECHANISMS:
        mech = sasl.mechanism(name, creds)
        assert mech is not None
        for text in challenges.get(name, [""]):
            step = mech.respond(Challenge.parse(text))
            shown = step.shown + " " + step.meaning
            for form in forms:
                assert form not in shown, (name, form)
