"""Bounded polling for conditions that become true asynchronously."""

import time
from typing import Callable, Optional, TypeVar

T = TypeVar("T")


class PollTimeout(AssertionError):
    """A polled condition stayed false until the deadline.

    It derives from AssertionError so pytest reports it as a failed check, with the last value
    seen in the message.
    """


def poll(
    fetch: Callable[[], T],
    accept: Callable[[T], bool],
    timeout: float,
    description: str,
    interval: float = 0.1,
) -> T:
    """Call `fetch` until `accept` approves its result, and return that result.

    Raises PollTimeout with the last result when `timeout` seconds pass first.
    """
    deadline = time.monotonic() + timeout
    last: Optional[T] = None
    while True:
        last = fetch()
        if accept(last):
            return last
        if time.monotonic() >= deadline:
            raise PollTimeout(
                f"timed out after {timeout} s waiting for {description}; last value: {last!r}"
            )
        time.sleep(interval)
