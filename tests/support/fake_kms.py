"""A loopback fake of AWS KMS (``Encrypt`` and ``Decrypt``, JSON 1.1 over HTTP): the secrets provider of the
suite's throwaway stacks.

Pulumi's ``awskms://`` secrets provider keeps a random data key per stack, encrypted by KMS in the stack file
(``encryptedkey``), and encrypts every secret with that data key (AES-256-GCM), as the passphrase provider does with
a key it derives. The passphrase provider derives its key with 1,000,000 rounds of PBKDF2 in every command that reads
config or state (about 0.17 s of CPU each); this provider makes one loopback call instead. Platform teams with a
shared backend use a KMS in the same way. The scaffolded project, the demo and the checked-in ``dev`` stack keep the
passphrase, and their tests use it.

The fake's "ciphertext" is the plaintext behind a tag: it guards nothing, it only speaks the wire format.
"""

from __future__ import annotations

import base64
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

KEY_ID = "alias/pulumi-serving-tests"
_TAG = b"fake-kms:v1:"
_ARN = f"arn:aws:kms:us-east-1:000000000000:{KEY_ID}"


class FakeKms:
    """A KMS on ``127.0.0.1``, started by ``start()``; ``secrets_provider`` is the ``--secrets-provider`` URL."""

    def __init__(self) -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-kms", daemon=True)

    @property
    def secrets_provider(self) -> str:
        port = self._server.server_address[1]
        return f"awskms://{KEY_ID}?region=us-east-1&anonymous=true&endpoint=http://127.0.0.1:{port}"

    def start(self) -> FakeKms:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _encrypt(request: dict) -> dict:
    plaintext = base64.b64decode(request["Plaintext"])
    return {"CiphertextBlob": base64.b64encode(_TAG + plaintext).decode(), "KeyId": _ARN}


def _decrypt(request: dict) -> dict:
    blob = base64.b64decode(request["CiphertextBlob"])
    if not blob.startswith(_TAG):
        raise _KmsError("InvalidCiphertextException", "the ciphertext was not made by this KMS")
    return {"Plaintext": base64.b64encode(blob[len(_TAG) :]).decode(), "KeyId": _ARN}


_OPERATIONS = {"TrentService.Encrypt": _encrypt, "TrentService.Decrypt": _decrypt}


class _KmsError(Exception):
    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        operation = _OPERATIONS.get(self.headers.get("X-Amz-Target", ""))
        try:
            if operation is None:
                raise _KmsError("UnsupportedOperationException", f"{self.headers.get('X-Amz-Target')} is not faked")
            self._answer(200, operation(json.loads(body)))
        except _KmsError as error:
            self._answer(400, {"__type": error.kind, "message": str(error)})

    def _answer(self, status: int, payload: dict) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the suite's output is the tests'."""
