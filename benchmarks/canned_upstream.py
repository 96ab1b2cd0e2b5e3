"""A canned OpenAI-compatible upstream for benchmarks: precomputed completions or chat answers (chat when the
body has ``messages``), as JSON or as an SSE stream of 16 chunks and ``[DONE]`` when the body asks to stream),
keep-alive HTTP/1.1 on an asyncio protocol, several forked processes sharing one listening socket. It does
next to no work per request, so it is many times faster than the gateways measured against it.

    python benchmarks/canned_upstream.py --port 0 --workers 2    # prints "listening on http://127.0.0.1:PORT"
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import socket
import sys

PIECES = 16
CREATED = 1700000000


def _completion(chat: bool) -> bytes:
    if chat:
        choice = {
            "index": 0,
            "message": {"role": "assistant", "content": " ".join(["word"] * PIECES)},
            "finish_reason": "length",
        }
    else:
        choice = {"index": 0, "text": " ".join(["word"] * PIECES), "logprobs": None, "finish_reason": "length"}
    body = json.dumps(
        {
            "id": "cmpl-bench",
            "object": "chat.completion" if chat else "text_completion",
            "created": CREATED,
            "model": "gpt-bench",
            "choices": [choice],
            "usage": {"prompt_tokens": 4, "completion_tokens": PIECES, "total_tokens": 4 + PIECES},
        }
    ).encode()
    return (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
        + str(len(body)).encode()
        + b"\r\n\r\n"
        + body
    )


def _chunk(data: bytes) -> bytes:
    return f"{len(data):x}\r\n".encode() + data + b"\r\n"


def _stream(chat: bool) -> bytes:
    out = b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
    for i in range(PIECES + 1):
        last = i == PIECES
        if chat:
            delta = {} if last else ({"role": "assistant", "content": "word"} if i == 0 else {"content": " word"})
            choice = {"index": 0, "delta": delta, "finish_reason": "length" if last else None}
        else:
            choice = {
                "index": 0,
                "text": "" if last else " word",
                "logprobs": None,
                "finish_reason": "length" if last else None,
            }
        event = {
            "id": "cmpl-bench",
            "object": "chat.completion.chunk" if chat else "text_completion",
            "created": CREATED,
            "model": "gpt-bench",
            "choices": [choice],
        }
        out += _chunk(b"data: " + json.dumps(event).encode() + b"\n\n")
    return out + _chunk(b"data: [DONE]\n\n") + b"0\r\n\r\n"


ANSWERS = {
    (chat, stream): (_stream(chat) if stream else _completion(chat))
    for chat in (False, True)
    for stream in (False, True)
}


class Canned(asyncio.Protocol):
    """Answers each request on a connection; a request that arrives whole and repeats the connection's previous
    one (a benchmark's clients send one body again and again) is answered without parsing it again."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        self.buffer = b""
        self.last: tuple[bytes, bytes] = (b"", b"")

    def data_received(self, data: bytes) -> None:
        if not self.buffer and data == self.last[0]:
            self.transport.write(self.last[1])  # type: ignore[attr-defined]
            return
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.buffer[:end]
            length = 0
            for line in head.split(b"\r\n")[1:]:
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            if len(self.buffer) < end + 4 + length:
                return
            request, body = self.buffer[: end + 4 + length], self.buffer[end + 4 : end + 4 + length]
            self.buffer = self.buffer[end + 4 + length :]
            chat = b'"messages"' in body  # MLflow's gateway sends completions as chat calls
            stream = b'"stream":true' in body.replace(b" ", b"")
            self.last = (request, ANSWERS[(chat, stream)])
            self.transport.write(self.last[1])  # type: ignore[attr-defined]


def _serve(sock: socket.socket) -> None:
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass

    async def main() -> None:
        server = await asyncio.get_running_loop().create_server(Canned, sock=sock, backlog=2048)
        async with server:
            await server.serve_forever()

    asyncio.run(main())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", args.port))
    sock.listen(2048)
    sock.setblocking(False)
    print(f"listening on http://127.0.0.1:{sock.getsockname()[1]}", flush=True)
    children = []
    for _ in range(args.workers):
        pid = os.fork()
        if pid == 0:
            signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
            _serve(sock)
            os._exit(0)
        children.append(pid)

    def stop(*_: object) -> None:
        for child in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child, signal.SIGTERM)
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for child in children:
        os.waitpid(child, 0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
