"""Pulumi dynamic resources and their providers."""
