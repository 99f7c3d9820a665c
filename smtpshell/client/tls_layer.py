"""TLS over memory buffers (ssl.SSLObject + MemoryBIO), so the connection sees
every byte the server sends around the handshake. Loaded only when TLS starts."""

from __future__ import annotations

import ssl

from .target import resolver_host

_READ_SIZE = 256 * 1024


class TLSLayer:
    """TLS over memory buffers: we feed it raw bytes and take raw bytes out."""

    Error = ssl.SSLError  # what step() and decrypt() raise

    def __init__(self, ctx: ssl.SSLContext, hostname: str | None) -> None:
        self.incoming = ssl.MemoryBIO()
        self.outgoing = ssl.MemoryBIO()
        # An ASCII name as bytes: ssl then takes it as it is, where text would load the
        # idna codec (stringprep, unicodedata) only to give back the same name.
        name = resolver_host(hostname) if hostname is not None else None
        self.obj = ctx.wrap_bio(self.incoming, self.outgoing, server_hostname=name)  # bytes or text, both taken
        self.established = False
        self.records_seen = False  # any TLS bytes from the server yet?

    def step(self) -> bool:
        """Advance the handshake; True once it is complete. Raises ssl.SSLError."""
        try:
            self.obj.do_handshake()
        except ssl.SSLWantReadError:
            return False
        self.established = True
        return True

    def decrypt(self, data: bytes) -> tuple[bytes, bool]:
        """Plaintext from ``data``, and whether the peer sent close_notify."""
        self.incoming.write(data)
        out = bytearray()
        while True:
            try:
                chunk = self.obj.read(_READ_SIZE)
            except ssl.SSLWantReadError:
                return bytes(out), False
            except ssl.SSLZeroReturnError:
                return bytes(out), True
            if not chunk:
                return bytes(out), True
            out += chunk

    def encrypt(self, data: bytes | memoryview) -> None:
        view = memoryview(data)
        while view:
            n = self.obj.write(view)
            view = view[n:]

    def take_output(self) -> bytes:
        return self.outgoing.read()
