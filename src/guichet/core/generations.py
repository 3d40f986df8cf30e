"""Cached reads of reference data (organisations, teams, competence rules, the catalogue),
each under a *generation*: any save or deletion of a row they come from replaces the
generation (``generation_bump``, called by the owning app's receivers), so every entry cached
before it is never read again.

With a shared cache (Redis) a change is seen at once by every process; with the per-process
cache of the embedded default, at once by the process that made it and by the others within
the entry's lifetime (``READ_CACHE_SECONDS``).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.db import transaction

READ_CACHE_SECONDS = 60
_MISSING = ("generations:none",)  # cached for a read that found nothing (None)


def _generation_key(name: str) -> str:
    return f"generation:{name}"


def generation(name: str) -> str:
    key = _generation_key(name)
    current = cache.get(key)
    if current is None:
        cache.add(key, str(time.time_ns()), None)
        current = cache.get(key, "0")
    return current


def _replace(name: str) -> None:
    cache.set(_generation_key(name), str(time.time_ns()), None)


def generation_bump(*names: str) -> None:
    """Start new generations of ``names``: now, for the rest of the current transaction; and
    after its commit, since another process may have cached, under the generation started
    now, the rows as they were before the commit (the change was not visible to it yet)."""
    for name in names:
        _replace(name)
        transaction.on_commit(lambda name=name: _replace(name))


def entry_key(name: str, *parts: Any) -> str:
    """The cache key of an entry: its parts (which may come from a request: a slug, a service
    key) go in as a digest, so a key is always short and safe for any cache backend."""
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()
    return f"{name}:{generation(name)}:{digest}"


def cached_read(name: str, parts: tuple, read: Callable[[], Any]) -> Any:
    """``read()``, cached under the current generation of ``name`` (None is cached too)."""
    key = entry_key(name, *parts)
    value = cache.get(key)
    if value is None:
        value = read()
        cache.set(key, _MISSING if value is None else value, READ_CACHE_SECONDS)
    return None if value == _MISSING else value
