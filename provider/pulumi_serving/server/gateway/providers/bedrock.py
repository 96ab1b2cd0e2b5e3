"""Amazon Bedrock runtime: ``{base}/model/{model}/invoke`` (streams: ``/invoke-with-response-stream``, an
AWS event stream), signed with SigV4 by botocore (service ``bedrock``, the entity's region and access keys).
The body is the one of ``bedrock_provider``'s own models:

- ``anthropic``: the Messages API body with ``anthropic_version`` (answers and stream events as Anthropic's);
- ``cohere``: Cohere's generate/chat/embed body without ``model`` (answers as Cohere's);
- ``ai21labs``: AI21's complete body (completions only; no stream);
- ``amazon``: Titan: ``inputText`` + ``textGenerationConfig`` (chat as ``User:``/``Bot:`` turns), embeddings
  ``inputText`` one text per call.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from ...errors import InvalidParameterValue
from .. import responses
from ..request import CHAT, EMBEDDINGS, StandardRequest
from .ai21labs import complete_body, no_stream, translate_complete
from .anthropic import AnthropicStream, messages_body, translate_messages
from .base import (
    ChunkStream,
    Framing,
    StreamTranslator,
    Target,
    UpstreamCall,
    only_one_choice,
    only_one_prompt,
    sampling,
)
from .cohere import CohereAdapter, CohereStream

BEDROCK_ANTHROPIC_VERSION = "bedrock-2023-05-31"
SERVICE = "bedrock"
_TITAN_FINISH = {"FINISH": "stop", "LENGTH": "length", "STOP_CRITERIA_MET": "stop"}
_COHERE = CohereAdapter()


def sign(url: str, body: bytes, region: str, access_key_id: str, secret: str) -> dict[str, str]:
    """SigV4 headers (Authorization, X-Amz-Date, ...) for a JSON POST of ``body`` to ``url``."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    request = AWSRequest(
        method="POST", url=url, data=body, headers={"Content-Type": "application/json", "Accept": "application/json"}
    )
    SigV4Auth(Credentials(access_key_id, secret), SERVICE, region).add_auth(request)
    return {name: value for name, value in request.headers.items() if name.lower() not in ("content-type", "accept")}


def _titan_body(request: StandardRequest) -> dict[str, Any]:
    if request.task == EMBEDDINGS:
        if len(request.inputs) != 1:
            raise InvalidParameterValue("input: provider amazon-bedrock (amazon) embeds one text per call")
        return {**request.extra, "inputText": request.inputs[0]}
    only_one_choice(request, "amazon-bedrock")
    if request.task == CHAT:
        turns = [f"{'Bot' if m.role == 'assistant' else 'User'}: {m.content}" for m in request.messages]
        text = "\n".join(turns) + "\nBot:"
    else:
        text = only_one_prompt(request, "amazon-bedrock")
    config = sampling(request, "maxTokenCount", "stopSequences")
    return {**request.extra, "inputText": text, "textGenerationConfig": config}


def _body(request: StandardRequest, target: Target) -> dict[str, Any]:
    family = target.options["bedrock_provider"]
    if family == "anthropic":
        if request.task == EMBEDDINGS:
            raise InvalidParameterValue("provider amazon-bedrock (anthropic) serves completions and chat only")
        return {**messages_body(request, "amazon-bedrock"), "anthropic_version": BEDROCK_ANTHROPIC_VERSION}
    if family == "cohere":
        body = dict(_COHERE.build(request, target).json)
        body.pop("model", None)
        return body
    if family == "ai21labs":
        no_stream(request, "amazon-bedrock (ai21labs)")
        return complete_body(request, "amazon-bedrock (ai21labs)")
    if family == "amazon":
        return _titan_body(request)
    raise InvalidParameterValue(f"bedrock_provider: {family!r} is not served by the local gateway")


def _translate_titan(request: StandardRequest, target: Target, body: dict[str, Any]) -> dict[str, Any]:
    prompt_tokens = int(body.get("inputTextTokenCount") or responses.estimate_tokens(request.prompt_text))
    if request.task == EMBEDDINGS:
        return responses.embeddings(target.model, [[float(x) for x in body["embedding"]]], prompt_tokens)
    results = body["results"]
    if not isinstance(results, list) or not results:
        raise ValueError("no results")
    choices = [
        responses.Choice(str(r["outputText"]), _TITAN_FINISH.get(str(r.get("completionReason")), "stop"))
        for r in results
    ]
    completion_tokens = sum(int(r.get("tokenCount") or 0) for r in results) or sum(
        responses.estimate_tokens(c.text) for c in choices
    )
    return responses.generation(
        request.task, "", int(time.time()), target.model, choices, prompt_tokens, completion_tokens
    )


class BedrockAdapter:
    name = "amazon-bedrock"
    stream_format: Framing = "eventstream"

    def build(self, request: StandardRequest, target: Target) -> UpstreamCall:
        body = _body(request, target)
        action = "invoke-with-response-stream" if request.stream else "invoke"
        url = f"{target.base_url.rstrip('/')}/model/{quote(target.model, safe='')}/{action}"
        content = json.dumps(body, separators=(",", ":")).encode()
        headers = sign(url, content, target.options["region"], target.options["access_key_id"], target.credential)
        return UpstreamCall(url, headers, body, content=content)

    def translate(self, request: StandardRequest, target: Target, body: dict[str, Any]) -> dict[str, Any]:
        family = target.options["bedrock_provider"]
        if family == "anthropic":
            return translate_messages(request, target, body)
        if family == "cohere":
            return _COHERE.translate(request, target, body)
        if family == "ai21labs":
            return translate_complete(request, target, body)
        return _translate_titan(request, target, body)

    def stream(self, request: StandardRequest, target: Target) -> StreamTranslator:
        family = target.options["bedrock_provider"]
        if family == "anthropic":
            return AnthropicStream(request, target)
        if family == "cohere":
            return CohereStream(request, target)
        return TitanStream(request, target)


@dataclass
class TitanStream(ChunkStream):
    """Titan stream chunks: ``outputText`` pieces, the last with ``completionReason``."""

    def feed(self, event: dict[str, Any]) -> list[dict[str, Any]]:
        out = []
        if role := self._opening_role():
            out.append(self._chunk(0, "", None, role))
        text = str(event["outputText"])
        self.prompt_tokens = int(event.get("inputTextTokenCount") or self.prompt_tokens)
        self.completion_tokens = int(event.get("totalOutputTextTokenCount") or self.completion_tokens + 1)
        reason = event.get("completionReason")
        finish = _TITAN_FINISH.get(str(reason), "stop") if reason else None
        self.done = self.done or finish is not None
        out.append(self._chunk(0, text or None, finish))
        return out
