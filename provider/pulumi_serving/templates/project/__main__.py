"""Every resource comes from the stack file's ``serving:*`` declarations (stacks/Pulumi.<stack>.yaml)."""

import pulumi_serving.stack

pulumi_serving.stack.declare()
