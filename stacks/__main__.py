"""The stack program: every resource comes from the stack file's ``serving:*`` declarations (Pulumi.<stack>.yaml)."""

import pulumi_serving.stack

pulumi_serving.stack.declare()
