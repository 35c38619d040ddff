"""The one exception type users see: a message that says what is wrong and how to fix it."""


class LlmlabError(ValueError):
    """Bad input from a user (CLI flag, config file, CSV). The CLI turns it into exit status 2."""
