"""Pure logic of the fake upstream: deterministic answers and the fault schedule."""

from __future__ import annotations

import pytest

from pulumi_serving.fake_upstream import answers
from pulumi_serving.fake_upstream.behaviour import Behaviour, model_fault


def test_answers_are_deterministic_and_differ_per_provider_and_model():
    first = answers.generate("openai", "gpt-4", "What is Databricks?")
    assert first == answers.generate("openai", "gpt-4", "What is Databricks?")
    assert first.text != answers.generate("anthropic", "gpt-4", "What is Databricks?").text
    assert first.text != answers.generate("openai", "gpt-3.5", "What is Databricks?").text
    assert first.text != answers.generate("openai", "gpt-4", "What is Databricks?", index=1).text
    assert first.words[0] == "[openai/gpt-4]"


def test_max_tokens_truncates_and_reports_length():
    answer = answers.generate("cohere", "command", "hi", max_tokens=3)
    assert answer.completion_tokens == 3
    assert answer.finish_reason == "length"
    assert answers.generate("cohere", "command", "hi").finish_reason == "stop"


def test_embeddings_are_unit_vectors():
    vector = answers.embed("openai", "ada", "hello")
    assert len(vector) == answers.EMBEDDING_DIMENSIONS
    assert abs(sum(x * x for x in vector) - 1) < 1e-4
    assert vector != answers.embed("openai", "ada", "hello!")


def test_fail_rate_schedule_is_exact():
    behaviour = Behaviour()
    behaviour.update({"fail_rate": 0.25})
    faults = [behaviour.next_fault("gpt-4") for _ in range(8)]
    assert [f is not None for f in faults] == [False, False, False, True] * 2
    assert faults[3].status == 500


def test_throttle_rate_gives_429():
    behaviour = Behaviour()
    behaviour.update({"throttle_rate": 1})
    assert behaviour.next_fault("x").status == 429


def test_fail_model_names_force_a_status():
    assert model_fault("fail-503").status == 503
    assert model_fault("gpt-4") is None
    assert model_fault("fail-abc") is None


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"fail_rate": 1.5}, "fail_rate"),
        ({"latency_ms": -1}, "latency_ms"),
        ({"nope": 1}, "nope"),
        ({"fail_status": 200}, "fail_status"),
    ],
)
def test_bad_switches_name_the_field(changes, field):
    with pytest.raises(ValueError, match=field):
        Behaviour().update(changes)
