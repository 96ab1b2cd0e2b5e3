"""The local Databricks-compatible serving API."""
