"""A circuit breaker per Redis server, shared by the cache and the outbox publisher.

A Redis that hangs (stopped, swapping, a network that drops packets) answers nothing until each
call's socket timeout. A page makes twenty cache calls and a save publishes a task, so without
this every request would wait for every one of them. After the first call that fails to reach
a server, every process-local user of that server (the cache's client, `core.queue`) skips it for
`CRM_REDIS_BACKOFF_SECONDS`: cache reads are misses, writes are dropped, queued tasks wait in
the outbox. Then one call is let through as a trial; if it answers, the server is used again,
otherwise it is skipped for another back-off.

State is per process and thread-safe; nothing is shared between processes (each pays its own
first timeout).
"""

import logging
import os
import threading
import time
from collections.abc import Callable
from typing import TypeVar
from urllib.parse import urlsplit

import redis
from django.conf import settings
from kombu.exceptions import OperationalError
from redis.client import Pipeline

logger = logging.getLogger(__name__)
T = TypeVar("T")

DEFAULT_BACKOFF_SECONDS = 30
# What "did not reach the server" looks like, through redis-py directly or through kombu.
UNREACHABLE = (redis.ConnectionError, redis.TimeoutError, OperationalError, OSError)


class RedisSkipped(redis.ConnectionError):
    """The server failed a moment ago and is skipped until its back-off has passed.

    A ConnectionError, so that django-redis (IGNORE_EXCEPTIONS) takes it as a cache miss."""


class CircuitBreaker:
    """Open after one failed call, for a back-off read from the settings at each check."""

    def __init__(self, server: str):
        self.server = server
        self.calls = 0  # calls let through to the server
        self.failures = 0  # of those, the ones that did not reach it
        self.skipped = 0  # calls not made because the server had just failed
        self._opened_at: float | None = None
        self._lock = threading.Lock()

    @staticmethod
    def backoff_seconds() -> float:
        return getattr(settings, "CRM_REDIS_BACKOFF_SECONDS", DEFAULT_BACKOFF_SECONDS)

    @property
    def is_open(self) -> bool:
        return self._opened_at is not None

    def allow(self) -> bool:
        """Whether a call may go to the server now (counted as a call, or as skipped)."""
        with self._lock:
            now = time.monotonic()
            if self._opened_at is not None:
                if now - self._opened_at < self.backoff_seconds():
                    self.skipped += 1
                    return False
                # The back-off has passed: this call is the trial. The others keep skipping
                # until it answers (or, if it never reports, for another back-off).
                self._opened_at = now
            self.calls += 1
            return True

    def succeeded(self) -> None:
        if self._opened_at is None:
            return
        with self._lock:
            self._opened_at = None
        logger.warning("Redis at %s answers again; it is used again.", self.server)

    def failed(self, error: BaseException) -> None:
        with self._lock:
            self.failures += 1
            self._opened_at = time.monotonic()
        logger.warning(
            "Redis at %s did not answer (%s: %s); the cache and the broker skip it for %s s.",
            self.server,
            type(error).__name__,
            error,
            self.backoff_seconds(),
        )

    def call(self, func: Callable[..., T], *args, **kwargs) -> T:
        """func(*args, **kwargs) unless the server is skipped (RedisSkipped); a failure to reach
        the server opens the breaker, any other outcome (even an error reply) closes it."""
        if not self.allow():
            raise RedisSkipped(f"Redis at {self.server} is skipped after a failure")
        try:
            result = func(*args, **kwargs)
        except UNREACHABLE as error:
            self.failed(error)
            raise
        except redis.RedisError:
            self.succeeded()  # an error reply: the server answered
            raise
        self.succeeded()
        return result


_breakers: dict[str, CircuitBreaker] = {}
_registry_lock = threading.Lock()


def server_of(url: str) -> str:
    """The server a Redis (or broker) URL names, as `host:port`: the cache at
    redis://h:6379/1 and the broker at redis://h:6379/0 share one breaker. Other brokers
    (filesystem://, memory://) are named by their scheme."""
    parts = urlsplit(url)
    if parts.scheme in ("redis", "rediss"):
        return f"{parts.hostname or 'localhost'}:{parts.port or 6379}"
    if parts.scheme in ("unix", "redis+socket"):
        return parts.path
    return parts.scheme or url


def breaker_for(server: str) -> CircuitBreaker:
    with _registry_lock:
        breaker = _breakers.get(server)
        if breaker is None:
            breaker = _breakers[server] = CircuitBreaker(server)
        return breaker


def reset_breakers() -> None:
    """Forget every server's state (tests, and a forked child, whose locks may be held)."""
    global _registry_lock
    _registry_lock = threading.Lock()
    _breakers.clear()


os.register_at_fork(after_in_child=reset_breakers)


def _server_of_pool(client: redis.Redis) -> str:
    kwargs = client.connection_pool.connection_kwargs
    if kwargs.get("path"):
        return kwargs["path"]
    return f"{kwargs.get('host') or 'localhost'}:{kwargs.get('port') or 6379}"


def _guarded(client: redis.Redis, func: Callable[..., T], *args, **kwargs) -> T:
    try:
        return breaker_for(_server_of_pool(client)).call(func, *args, **kwargs)
    except UNREACHABLE:
        raise  # logged by the breaker, once per back-off
    except redis.RedisError as error:
        # django-redis takes it as a miss without a word (its own logging is off: it would
        # log every skipped call); an error reply (out of memory, …) should be seen.
        logger.warning("The Redis cache answered with an error: %s", error)
        raise


class GuardedPipeline(Pipeline):
    def execute(self, raise_on_error: bool = True):
        return _guarded(self, super().execute, raise_on_error)


class GuardedRedis(redis.Redis):
    """The cache's redis-py client (django-redis REDIS_CLIENT_CLASS): every command and
    pipeline goes through the breaker of its server."""

    def execute_command(self, *args, **options):
        return _guarded(self, super().execute_command, *args, **options)

    def pipeline(self, transaction: bool = True, shard_hint=None) -> GuardedPipeline:
        return GuardedPipeline(
            self.connection_pool, self.response_callbacks, transaction, shard_hint
        )
