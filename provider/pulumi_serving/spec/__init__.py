"""Pydantic models of the serving API payloads and stack declarations: the single source of truth."""
