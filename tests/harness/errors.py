"""Error type raised when a test server cannot be started or stopped."""


class HarnessError(RuntimeError):
    """A server of the test mesh failed to start, become ready or stop."""
