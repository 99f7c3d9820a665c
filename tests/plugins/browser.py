"""A real headless browser (Debian's chromium + chromium-driver, driven by selenium) and the
practice server with its class view running in a thread of its own, so a blocking browser
and blocking clients can talk to it.

Browser tests are skipped, with the reason, only when chromium is not installed
(``.ci/run`` installs it).
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from smtpshell.server import PracticeConfig, PracticeServer

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
CHROMEDRIVER = shutil.which("chromedriver") or ("/usr/bin/chromedriver" if Path("/usr/bin/chromedriver").exists() else None)
NO_BROWSER = "chromium and chromium-driver are not installed (apt-get install chromium chromium-driver; .ci/run does it)"

needs_browser = pytest.mark.skipif(CHROMIUM is None or CHROMEDRIVER is None, reason=NO_BROWSER)

CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage")


class ServerThread:
    """A PracticeServer on its own event loop in a thread."""

    def __init__(self, config: PracticeConfig) -> None:
        self.config = config
        self.loop = asyncio.new_event_loop()
        self.server: PracticeServer | None = None
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def __enter__(self) -> ServerThread:
        self._thread.start()
        self.server = self.run(PracticeServer(self.config).start())
        return self

    def run(self, coro: Any, timeout: float = 120) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def __exit__(self, *exc: object) -> None:
        if self.server is not None:
            self.run(self.server.stop(), 10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()

    @property
    def web_url(self) -> str:
        assert self.server is not None and self.server.web is not None
        return f"http://127.0.0.1:{self.server.web.port}/"


@pytest.fixture
def class_server(practice_state_dir: Path) -> Iterator[Callable[..., ServerThread]]:
    """``class_server(auth_requires_tls=False, ...)``: a started server with the web view on a free port."""
    started: list[ServerThread] = []

    def start(**settings: Any) -> ServerThread:
        settings.setdefault("state_dir", practice_state_dir)
        settings.setdefault("web", "127.0.0.1:0")
        thread = ServerThread(PracticeConfig(**settings)).__enter__()
        started.append(thread)
        return thread

    yield start
    for thread in started:
        thread.__exit__(None, None, None)


@pytest.fixture
def browser() -> Iterator[Any]:
    """A headless chromium (selenium WebDriver), A4-ish window, fresh profile."""
    if CHROMIUM is None or CHROMEDRIVER is None:
        pytest.skip(NO_BROWSER)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="smtpshell-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.add_argument("--window-size=1280,1000")
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def wait_for(condition: Callable[[], Any], timeout: float = 30.0, what: str = "condition") -> Any:
    """Poll until ``condition()`` is truthy (bounded); fail with ``what`` otherwise."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = condition()
        except Exception as exc:  # the page is still changing under us
            last = exc
        if last and not isinstance(last, Exception):
            return last
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what} (last: {last!r})")
