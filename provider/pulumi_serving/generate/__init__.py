"""``pulumi-serving generate``: live objects as declarations with ``adopt: true`` (pure conversion), merged into a
stack file (comments kept) or rendered as a Python program."""
