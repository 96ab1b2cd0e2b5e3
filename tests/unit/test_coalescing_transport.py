"""Writes made in one event-loop turn leave in one send, at the end of that turn; close sends what is pending."""

from __future__ import annotations

import asyncio

from pulumi_serving.server.connections import CoalescingTransport


class _Transport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.sent: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:  # type: ignore[override]
        self.sent.append(bytes(data))

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def get_extra_info(self, name: str, default: object = None) -> object:
        return {"peername": ("127.0.0.1", 1)}.get(name, default)


async def _turn() -> None:
    await asyncio.sleep(0)


def test_writes_of_one_turn_leave_together_at_its_end():
    async def scenario() -> list[list[bytes]]:
        raw = _Transport()
        transport = CoalescingTransport(raw, asyncio.get_running_loop())
        transport.write(b"HTTP/1.1 200 OK\r\n\r\n")
        transport.write(b"body")
        seen = [list(raw.sent)]  # nothing sent yet within the turn
        await _turn()
        seen.append(list(raw.sent))
        transport.write(b"next")
        await _turn()
        seen.append(list(raw.sent))
        return seen

    assert asyncio.run(scenario()) == [[], [b"HTTP/1.1 200 OK\r\n\r\nbody"], [b"HTTP/1.1 200 OK\r\n\r\nbody", b"next"]]


def test_close_sends_pending_bytes_first_and_nothing_is_written_after_close():
    async def scenario() -> tuple[list[bytes], bool]:
        raw = _Transport()
        transport = CoalescingTransport(raw, asyncio.get_running_loop())
        transport.write(b"last")
        transport.close()
        transport.write(b"late")
        await _turn()
        assert transport.is_closing() and transport.get_extra_info("peername") == ("127.0.0.1", 1)
        return raw.sent, raw.closed

    assert asyncio.run(scenario()) == ([b"last"], True)


class _HalfClosable(_Transport):
    def __init__(self) -> None:
        super().__init__()
        self.eof_sent = False

    def can_write_eof(self) -> bool:
        return True

    def write_eof(self) -> None:
        self.eof_sent = True

    def resume_reading(self) -> None:
        pass


def test_close_while_the_client_may_send_lingers_then_closes(monkeypatch):
    monkeypatch.setattr("pulumi_serving.server.connections.LINGER_S", 0.05)

    async def scenario() -> list[tuple[bool, bool, bool]]:
        raw = _HalfClosable()
        transport = CoalescingTransport(raw, asyncio.get_running_loop(), client_may_send=lambda: True)
        transport.write(b"HTTP/1.1 408 Request Timeout\r\n\r\n")
        transport.close()
        states = [(raw.eof_sent, raw.closed, transport.is_closing())]  # FIN sent, socket still reading
        await asyncio.sleep(0.1)
        states.append((raw.eof_sent, raw.closed, transport.is_closing()))
        return states

    assert asyncio.run(scenario()) == [(True, False, True), (True, True, True)]


def test_a_second_close_while_lingering_closes_at_once():
    async def scenario() -> bool:
        raw = _HalfClosable()
        transport = CoalescingTransport(raw, asyncio.get_running_loop(), client_may_send=lambda: True)
        transport.close()
        transport.close()  # e.g. the client closed its side: the connection is lost
        return raw.closed

    assert asyncio.run(scenario())
