"""The practice server's store: maildir writes that survive a crash, subjects read without the full parser."""

from __future__ import annotations

import os
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from smtpshell.server.store import (
    _parsed_subject,
    remove_abandoned,
    subject_of,
    write_maildir,
)

SMTPSHELL = str(Path(sys.executable).with_name("smtpshell"))

header_name = st.sampled_from(["Subject", "subject", "SUBJECT", "From", "To", "X-A", "Subject ", ":", "From x", "Bad Name"])
header_value = st.text(st.sampled_from(list("ab =?utf-8?q?x?=\t\x01é")), max_size=20)
header_line = st.builds(lambda n, v: n + ":" + v, header_name, header_value) | st.text("ab \t:", max_size=8)


@settings(max_examples=500, deadline=None)
@given(st.lists(header_line, max_size=6), st.sampled_from(["\r\n", "\n"]), st.booleans(), st.text("ab\n", max_size=10))
def test_the_fast_subject_reader_agrees_with_the_email_parser(lines, newline, folded, body) -> None:
    if folded and lines:
        lines = [*lines[:1], "\t" + lines[0][-3:], *lines[1:]]
    content = (newline.join(lines) + newline + newline + body).encode("utf-8")
    assert subject_of(content) == _parsed_subject(content)


def test_common_subjects() -> None:
    assert subject_of(b"From: a@b\r\nSubject: hello  there\r\n folded\r\n\r\nbody") == "hello there folded"
    assert subject_of(b"Subject: =?utf-8?q?caf=C3=A9?=\r\n\r\n") == "caf\u00e9"
    assert subject_of(b"To: x\r\n\r\nSubject: in the body\r\n") == ""
    assert subject_of(b"") == ""


def test_a_maildir_write_lands_whole_in_new(tmp_path: Path) -> None:
    for sub in ("tmp", "new", "cur"):
        (tmp_path / sub).mkdir()
    path = write_maildir(tmp_path, b"Subject: x\r\n\r\nbody\r\n")
    assert path.parent == tmp_path / "new"
    assert path.read_bytes() == b"Subject: x\r\n\r\nbody\r\n"
    assert list((tmp_path / "tmp").iterdir()) == []


def test_leftovers_of_a_dead_server_are_removed_and_others_kept(tmp_path: Path) -> None:
    for sub in ("tmp", "new", "cur"):
        (tmp_path / sub).mkdir()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    host = socket.gethostname()
    (tmp_path / "tmp" / f"1.M1P{dead.pid}Q1.{host}").write_bytes(b"half a mess")
    (tmp_path / "tmp" / f"1.M1P{os.getpid()}Q1.{host}").write_bytes(b"ours, in flight")
    (tmp_path / "tmp" / "someone-elses-file").write_bytes(b"not ours")
    assert remove_abandoned(tmp_path) == 1
    assert sorted(p.name for p in (tmp_path / "tmp").iterdir()) == sorted(
        [f"1.M1P{os.getpid()}Q1.{host}", "someone-elses-file"])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _send(port: int, count: int, acked: list[str], name: str = "") -> None:
    """Send messages one after another until the server dies; note each one acknowledged."""
    import smtplib

    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
            client.ehlo("crash.test")
            for n in range(count):
                subject = f"crash {name}{n}"
                body = f"Subject: {subject}\r\n\r\n" + ("a line of the message body\r\n" * 2000)
                client.sendmail("student@practice.test", ["alice@practice.test"], body)
                acked.append(subject)
    except (smtplib.SMTPException, OSError):
        return


def test_killing_the_server_mid_run_leaves_only_whole_messages_and_none_acknowledged_lost(tmp_path: Path) -> None:
    """Four clients at once, so the kill lands while deliveries share a batch (group commit)."""
    port = _free_port()
    maildir = tmp_path / "maildir"
    server = subprocess.Popen(
        [SMTPSHELL, "serve", "--port", str(port), "--no-tls-port", "--maildir", str(maildir),
         "--state-dir", str(tmp_path / "state")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        acked: list[str] = []
        senders = [threading.Thread(target=_send, args=(port, 400, acked, f"c{n}")) for n in range(4)]
        for sender in senders:
            sender.start()
        while len(acked) < 40 and any(sender.is_alive() for sender in senders):
            time.sleep(0.01)
        server.send_signal(signal.SIGKILL)  # mid-run: the clients are in the middle of messages
        server.wait(10)
        for sender in senders:
            sender.join(30)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    assert len(acked) >= 40
    stored = {}
    for path in (maildir / "new").iterdir():
        data = path.read_bytes()
        assert data.endswith(b"a line of the message body\r\n" * 2000), path  # whole, never cut short
        stored[_subject_line(data)] = path
    assert set(acked) <= set(stored)  # every 250 the client saw is a message on disk
    # The next start cleans what the killed server left half-written in tmp/.
    remove_abandoned(maildir)
    assert list((maildir / "tmp").iterdir()) == []


def _subject_line(data: bytes) -> str:
    for line in data.split(b"\r\n"):
        if line.startswith(b"Subject: "):
            return line[len(b"Subject: ") :].decode()
    return ""


async def test_a_burst_is_written_as_batches_and_every_message_lands_whole(tmp_path: Path) -> None:
    import asyncio

    from smtpshell.server.store import MaildirWriter

    for sub in ("tmp", "new", "cur"):
        (tmp_path / sub).mkdir()
    writer = MaildirWriter(tmp_path)
    bodies = [f"Subject: {n}\r\n\r\n".encode() + b"x" * (n * 997) for n in range(60)]
    paths = await asyncio.gather(*(writer.write(body) for body in bodies))
    assert [p.read_bytes() for p in paths] == bodies
    assert len(set(paths)) == 60 and all(p.parent == tmp_path / "new" for p in paths)
    assert list((tmp_path / "tmp").iterdir()) == []


async def test_concurrent_clients_share_disk_flushes_and_each_250_follows_its_flush(start_practice, tmp_path: Path, monkeypatch) -> None:
    """Group commit, counted: 20 clients x 5 messages cost far fewer flushes than messages, and
    no delivery is settled (its 250 sent) before its data and its name in new/ were flushed."""
    from smtpshell.server import store
    from smtpshell.server.load import run_load

    maildir = tmp_path / "maildir"
    flushes: list[str] = []
    data_flushed: set[str] = set()  # files in tmp/ when a data flush returned
    name_flushed: set[str] = set()  # files in new/ when an fsync of new/ returned
    real_fsync, real_syncfs, real_fsync_dir, real_settle = os.fsync, store._syncfs, store._fsync_dir, store._settle_all

    def data_flush(kind: str, flush, fd: int):  # noqa: ANN001, ANN202
        done = flush(fd)
        if stat.S_ISDIR(os.fstat(fd).st_mode):
            return done  # _fsync_dir's own fsync (os.fsync is patched for the whole process)
        time.sleep(0.02)  # a slow disk, as in a classroom's busy machine: the batches do not hang on timing
        flushes.append(kind)
        data_flushed.update(os.listdir(maildir / "tmp"))
        if kind == "fs" and done:  # the whole filesystem: the names already in new/ too
            name_flushed.update(os.listdir(maildir / "new"))
        return done

    def dir_flush(path) -> None:  # noqa: ANN001
        real_fsync_dir(path)
        flushes.append("dir")
        name_flushed.update(os.listdir(maildir / "new"))

    early: list[str] = []

    def settle(results) -> None:  # noqa: ANN001
        for _, path in results:
            if path.name not in data_flushed or path.name not in name_flushed:
                early.append(path.name)
        real_settle(results)

    monkeypatch.setattr(store.os, "fsync", lambda fd: data_flush("file", real_fsync, fd))
    monkeypatch.setattr(store, "_syncfs", lambda fd: data_flush("fs", real_syncfs, fd))
    monkeypatch.setattr(store, "_fsync_dir", dir_flush)
    monkeypatch.setattr(store, "_settle_all", settle)

    server = await start_practice(store_dir=maildir)
    result = await run_load(server.host, server.port, clients=20, messages=5)
    assert result.accepted == 100 and server.mailbox.count == 100
    assert len(os.listdir(maildir / "new")) == 100
    assert early == []  # no 250 before its file was on disk
    # A flush a message would be 100 (two, with new/'s). A batch's syncfs also makes the last
    # batch's names durable: about one flush a batch, and a batch holds several messages.
    assert len(flushes) <= 30, flushes
    print(f"{len(flushes)} flushes for 100 messages: {flushes}")


async def test_a_batch_flush_also_makes_the_last_batchs_names_durable(tmp_path: Path, monkeypatch) -> None:
    """Two batches cost three flushes, not four: the second batch's syncfs covers the first one's
    renames (its fsync of new/ is not needed), and no delivery resumes before its name is flushed."""
    import asyncio

    from smtpshell.server import store

    for sub in ("tmp", "new", "cur"):
        (tmp_path / sub).mkdir()
    flushes: list[str] = []
    real_fsync, real_syncfs, real_fsync_dir = os.fsync, store._syncfs, store._fsync_dir

    def file_flush(fd: int) -> None:
        real_fsync(fd)
        if not stat.S_ISDIR(os.fstat(fd).st_mode):
            time.sleep(0.2)  # the first message's flush is slow: the next five queue up meanwhile
            flushes.append("file")

    monkeypatch.setattr(store.os, "fsync", file_flush)
    monkeypatch.setattr(store, "_syncfs", lambda fd: (flushes.append("fs"), real_syncfs(fd))[1])
    monkeypatch.setattr(store, "_fsync_dir", lambda path: (flushes.append("dir"), real_fsync_dir(path))[1])
    probe = os.open(tmp_path, os.O_RDONLY)
    try:
        if not real_syncfs(probe):
            import pytest

            pytest.skip("no syncfs here: each file is fsynced and new/ after it")
    finally:
        os.close(probe)
    seen_first: list[str] = []  # the flushes done when the writer let the first delivery resume
    real_wake = store._wake

    def wake(settled) -> None:  # noqa: ANN001
        if any(done is first for done, _, _ in settled):
            seen_first.extend(flushes)
        real_wake(settled)

    monkeypatch.setattr(store, "_wake", wake)
    writer = store.MaildirWriter(tmp_path)
    first = writer.write(b"Subject: 1\r\n\r\n")
    await asyncio.sleep(0.05)  # the writer is inside the first flush
    rest = [writer.write(f"Subject: {n}\r\n\r\n".encode()) for n in range(2, 7)]
    paths = await asyncio.gather(first, *rest)
    assert len(set(paths)) == 6 and all(p.parent == tmp_path / "new" for p in paths)
    assert flushes == ["file", "fs", "dir"], flushes
    assert seen_first == ["file", "fs"]  # the first resumed after the flush that covered its name
