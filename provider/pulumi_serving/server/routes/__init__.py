"""Thin HTTP routes of the control plane over the backend: parse, call one backend method, reply with its view."""
