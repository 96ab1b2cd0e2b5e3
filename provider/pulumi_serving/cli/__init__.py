"""The ``pulumi-serving`` command line."""
