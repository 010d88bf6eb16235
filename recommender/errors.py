"""User-facing errors: the CLI and the chat print their message, never a traceback."""


class SequelError(Exception):
    """An error a user can cause or fix (bad input, missing data, unreachable source)."""


class DataError(SequelError):
    """A dataset that cannot be fetched, verified or parsed."""
