"""HTTP client for the serving API (Databricks REST or the local serving API)."""
