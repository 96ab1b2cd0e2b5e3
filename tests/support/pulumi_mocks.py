"""Pulumi's unit-test mocks (``pulumi.runtime.set_mocks``) recording the inputs each resource was declared with, so a
test runs a program's resource constructors without an engine and reads what they would send."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager

import pulumi


class Recorder(pulumi.runtime.Mocks):
    """Every resource gets ``<name>-id`` and its inputs as outputs; ``inputs`` holds them by resource name."""

    def __init__(self) -> None:
        self.inputs: dict[str, dict] = {}

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict]:
        self.inputs[args.name] = args.inputs
        return f"{args.name}-id", args.inputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict:
        return {}


@contextmanager
def recording_mocks() -> Iterator[Recorder]:
    """Mocks installed for a preview, on an event loop of their own (Pulumi's mocks need a current one; an earlier
    test's ``asyncio.run`` may have left none)."""
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    mocks = Recorder()
    pulumi.runtime.set_mocks(mocks, preview=True)
    try:
        yield mocks
    finally:
        asyncio.set_event_loop(None)
        loop.close()
