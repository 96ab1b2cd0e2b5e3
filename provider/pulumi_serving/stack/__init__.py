"""The stack-file mode: a project's ``__main__.py`` is one call, ``pulumi_serving.stack.declare()``.

It reads the stack's ``serving:*`` declarations (``Pulumi.<stack>.yaml``), checks them against the bundled JSON
Schema and the spec, and declares the resources. The schemas ship in this package (``schemas.py``).
"""

from .program import declare, declare_endpoints, declare_scopes, load
from .schemas import bundled_schema

__all__ = ["bundled_schema", "declare", "declare_endpoints", "declare_scopes", "load"]
