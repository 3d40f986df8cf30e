"""Reads a page makes on every view, compiled once per process (ADR 0013).

For a read whose shape never changes, only its values (the citizen's id), Django's building
and compiling of the queryset can cost more than the database's work: the dashboard's
"waiting on you" read spent ~1 ms of CPU building and compiling its three correlated
subqueries against ~0.4 ms running them. ``FixedQuery(build)`` calls ``build`` once per
database alias with sentinel values in place of the real ones, keeps the SQL, its parameters
and the compiler, and from then on runs that SQL with the real values where the sentinels
were, converting the rows as the queryset itself would (the compiler's converters: dates
from SQLite's text, JSON...). The queryset stays the one source of the statement: a model or
a selector change is picked up at the next start, with no hand-written SQL.

Only for ``values_list()`` querysets (rows as tuples), and values that are given to the
database as they are (ids, keys: ``int`` or ``str``)."""

from __future__ import annotations

from collections.abc import Callable

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet
from django.db.models.query import ValuesListIterable

#: Stand-ins for the values while compiling: integers no row id takes.
_SENTINEL = -7_346_000_001


class FixedQuery:
    """``FixedQuery(lambda user_id: Model.objects.filter(owner_id=user_id).values_list(...))``;
    ``.rows(user.pk)`` -> the list of tuples the queryset would give for that value."""

    def __init__(self, build: Callable[..., QuerySet]):
        self.build = build
        self._compiled: dict[tuple[str, int], tuple] = {}

    def _compile(self, using: str, arity: int) -> tuple:
        sentinels = [_SENTINEL - n for n in range(arity)]
        queryset = self.build(*sentinels)
        if queryset._iterable_class is not ValuesListIterable:
            raise TypeError("FixedQuery needs a values_list() queryset (rows as tuples)")
        compiler = queryset.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        slots = [[i for i, p in enumerate(params) if p == s] for s in sentinels]
        if not all(slots) or any(str(s) in sql for s in sentinels):
            raise ValueError("every value of a FixedQuery must become a bound parameter")
        return sql, tuple(params), slots, compiler

    def rows(self, *values: int | str, using: str = DEFAULT_DB_ALIAS) -> list[tuple]:
        if not all(isinstance(v, int | str) and not isinstance(v, bool) for v in values):
            raise TypeError("FixedQuery values are ids or keys (int or str)")
        key = (using, len(values))
        compiled = self._compiled.get(key)
        if compiled is None:  # two threads may both compile: the same result, harmless
            compiled = self._compiled[key] = self._compile(using, len(values))
        sql, template, slots, compiler = compiled
        params = list(template)
        for value, slot in zip(values, slots, strict=True):
            for index in slot:
                params[index] = value
        with connections[using].cursor() as cursor:
            cursor.execute(sql, params)
            fetched = cursor.fetchall()
        width = compiler.col_count
        if fetched and len(fetched[0]) > width:  # columns selected for the ordering only
            fetched = [row[:width] for row in fetched]
        return [tuple(row) for row in compiler.results_iter(results=[fetched])]
