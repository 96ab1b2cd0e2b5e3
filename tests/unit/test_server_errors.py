"""Databricks error bodies and headers."""

from pulumi_serving.server.errors import (
    InvalidParameterValue,
    RequestLimitExceeded,
    ResourceAlreadyExists,
    ResourceDoesNotExist,
)


def test_error_bodies_and_statuses():
    err = ResourceDoesNotExist("Endpoint with name 'x' does not exist.")
    assert (err.status, err.body()) == (
        404,
        {"error_code": "RESOURCE_DOES_NOT_EXIST", "message": "Endpoint with name 'x' does not exist."},
    )
    assert InvalidParameterValue("m").status == 400
    assert ResourceAlreadyExists("m").status == 409 and ResourceAlreadyExists("m", status=400).status == 400
    assert InvalidParameterValue("m").headers() == {}


def test_429_always_carries_retry_after():
    assert RequestLimitExceeded("slow down", retry_after=17).headers() == {"Retry-After": "17"}
    limited = RequestLimitExceeded("slow down", retry_after=0)
    assert (limited.status, limited.error_code, limited.headers()) == (
        429,
        "REQUEST_LIMIT_EXCEEDED",
        {"Retry-After": "1"},
    )
