"""One secret scope, named by the stack config ``scope``."""

import pulumi

from pulumi_serving.resources import SecretScope

scope = SecretScope("scope", scope=pulumi.Config().require("scope"))
pulumi.export("scope_id", scope.id)
