"""The audit chain's batching pattern: collect what a block
records in a context variable and hand it over, once, when the outermost such block ends."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

T = TypeVar("T")


@contextmanager
def collecting(var: ContextVar[list[T] | None], flush: Callable[[list[T]], None]) -> Iterator[None]:
    """Inside the block, `var` holds a list that callers append to; when the outermost block ends
    without an exception, `flush` gets the list (if it is not empty). Nested blocks join the outer one;
    if the block raises, what it collected is dropped."""
    if var.get() is not None:
        yield
        return
    pending: list[T] = []
    token = var.set(pending)
    try:
        yield
    finally:
        var.reset(token)
    if pending:
        flush(pending)
