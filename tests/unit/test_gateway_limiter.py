"""Rate limiter and rate-limit policy (pure, injected clock)."""

from __future__ import annotations

import threading

from pulumi_serving.server.gateway.limiter import Bucket, RateLimiter
from pulumi_serving.server.gateway.rate_policy import Caller, LimitRule, requirements
from pulumi_serving.server.gateway.traffic_split import Router


class Clock:
    def __init__(self, now: float = 1_000_020.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


def _one(bucket: Bucket):
    return [[[bucket]]]


def test_exactly_n_pass_in_a_window_then_the_next_window_opens():
    clock = Clock()
    limiter = RateLimiter(clock)
    bucket = Bucket("k", calls=20)
    results = [limiter.acquire(_one(bucket)).allowed for _ in range(21)]
    assert results == [True] * 20 + [False]
    refused = limiter.acquire(_one(bucket))
    window_end = (clock.now // 60 + 1) * 60
    assert refused.retry_after_s == int(window_end - clock.now)
    clock.now = window_end
    assert limiter.acquire(_one(bucket)).allowed


def test_exact_n_under_threads():
    limiter = RateLimiter(Clock())
    bucket = Bucket("k", calls=50)
    allowed = []
    lock = threading.Lock()

    def worker():
        for _ in range(20):
            ok = limiter.acquire(_one(bucket)).allowed
            with lock:
                allowed.append(ok)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert allowed.count(True) == 50 and len(allowed) == 160


def test_zero_blocks_and_refusal_charges_nothing():
    limiter = RateLimiter(Clock())
    assert not limiter.acquire(_one(Bucket("zero", calls=0))).allowed
    ok_bucket = Bucket("ok", calls=1)
    assert not limiter.acquire([[[ok_bucket]], [[Bucket("zero", calls=0)]]]).allowed
    assert limiter.acquire(_one(ok_bucket)).allowed  # the refused call did not use ok's only slot


def test_token_limit_refuses_once_spent():
    limiter = RateLimiter(Clock())
    bucket = Bucket("t", tokens=10)
    decision = limiter.acquire(_one(bucket))
    limiter.charge_tokens(decision.charged, 10)
    assert not limiter.acquire(_one(bucket)).allowed


def test_policy_precedence_and_keys():
    rules = [
        LimitRule("endpoint", calls=100),
        LimitRule("user", calls=5),
        LimitRule("user", calls=50, principal="bob"),
        LimitRule("user_group", calls=7, principal="ml"),
        LimitRule("service_principal", calls=9, principal="app1"),
    ]
    alice = requirements("ep", rules, Caller("alice"))
    assert [[b.calls for alt in r for b in alt] for r in alice] == [[100], [5]]
    assert alice[1][0][0].key == ("ep", 1, "alice")  # per-user bucket
    assert [
        [b.calls for alt in r for b in alt] for r in requirements("ep", rules, Caller("bob", frozenset({"ml"})))
    ] == [[100], [50]]
    carol = requirements("ep", rules, Caller("carol", frozenset({"ml"})))
    assert [[b.calls for alt in r for b in alt] for r in carol] == [[100], [7]]
    assert carol[1][0][0].key == ("ep", 3, "group")  # shared by the group
    app = requirements("ep", rules, Caller("app1", service_principal=True))
    assert [[b.calls for alt in r for b in alt] for r in app] == [[100], [9]]


def test_user_in_several_groups_passes_while_one_has_room():
    limiter = RateLimiter(Clock())
    rules = [LimitRule("user_group", calls=1, principal="a"), LimitRule("user_group", calls=1, principal="b")]
    caller = Caller("u", frozenset({"a", "b"}))
    assert [limiter.acquire(requirements("ep", rules, caller)).allowed for _ in range(3)] == [True, True, False]


def test_traffic_split_is_exact_and_interleaved():
    router = Router()
    picks = [router.order("ep", [("a", 70), ("b", 30)], ["a", "b"])[0] for _ in range(100)]
    assert picks.count("a") == 70 and picks.count("b") == 30
    assert "bbb" not in "".join(picks) and picks[:10].count("b") == 3
    assert router.order("ep", [("a", 100), ("c", 0)], ["a", "c"]) == ["a", "c"]
