"""Case references: ``<PREFIX>-<YEAR>-<6 digits>``, sequential per (prefix, year) under
concurrency, from a counter row per (prefix, year) (``ReferenceCounter``).

``case_submit`` records every case inside ``reference_reserved(...)``: the transaction that
records the case under the number it yields. A service whose numbers must have no gap (the law
asks it of planning applications, ADR 0014) takes its number inside that transaction, holding
the counter row until the commit; the others take it just before, in a transaction of its own,
and give it back when the recording fails."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import IntegrityError, connection, transaction

from guichet.cases.models import ReferenceCounter

logger = logging.getLogger(__name__)


def _counter_bump(prefix: str, year: int) -> int | None:
    """``last = last + 1`` on the (prefix, year) row, returning the new value (None: no row).
    The UPDATE takes the row lock until the caller's transaction ends: a concurrent submission
    waits, then reads the committed value (or the same one if this transaction rolls back)."""
    table = connection.ops.quote_name(ReferenceCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET last = last + 1 WHERE prefix = %s AND year = %s "  # noqa: S608 - table name from the model, values bound
            "RETURNING last",
            [prefix, year],
        )
        row = cursor.fetchone()
    return row[0] if row else None


def reference_next(*, prefix: str, year: int) -> str:
    """``<PREFIX>-<YEAR>-<6 digits>``, sequential per (prefix, year), safe under concurrency:
    the counter row is incremented by one ``UPDATE ... RETURNING`` in the caller's transaction
    (row lock held until commit), so two submissions wait for each other instead of sharing a
    number, and a rolled-back submission leaves no gap. The row of a new (prefix, year) is
    created once, in a savepoint (a concurrent creator wins, this one then increments)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("reference_next must run inside the submission transaction")
    number = _counter_bump(prefix, year)
    if number is None:
        try:
            with transaction.atomic():
                ReferenceCounter.objects.get_or_create(prefix=prefix, year=year)
        except IntegrityError:
            pass  # created by a concurrent submission
        number = _counter_bump(prefix, year)
    return f"{prefix}-{year}-{number:06d}"


def reference_take(*, prefix: str, year: int) -> str:
    """The next reference of (prefix, year), taken in a transaction of its own: the counter row
    is locked for the time of one statement. For a caller that records the case in the next
    transaction (``case_submit``) and gives the number back if that transaction rolls back
    (``reference_give_back``)."""
    if transaction.get_connection().in_atomic_block:
        raise RuntimeError("reference_take takes its own transaction: use reference_next")
    with transaction.atomic():
        return reference_next(prefix=prefix, year=year)


def reference_give_back(reference: str, *, prefix: str, year: int) -> bool:
    """Return the number of a reference whose case was not recorded, if no later number was
    taken meanwhile (then the sequence has a gap, the only way it gets one). True when given
    back. A database that cannot be reached keeps the number (the gap again), and says so."""
    number = int(reference.rsplit("-", 1)[1])
    table = connection.ops.quote_name(ReferenceCounter._meta.db_table)
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET last = last - 1 "  # noqa: S608 - table name from the model, values bound
                "WHERE prefix = %s AND year = %s AND last = %s",
                [prefix, year, number],
            )
            return cursor.rowcount == 1
    except Exception:  # the submission's own error is the one to raise
        logger.exception("reference %s not given back", reference)
        return False


@contextmanager
def reference_reserved(*, prefix: str, year: int, gapless: bool = False) -> Iterator[str]:
    """The transaction in which a case is recorded, and the reference it is recorded under.

    ``gapless`` (or a caller that already holds a transaction): the number is taken inside it,
    so a rollback takes it back and no number is ever lost; the counter row stays locked until
    the commit, so submissions to that service record one after the other. Otherwise the
    number is taken just before, in a transaction of its own (the row is locked for one
    statement and submissions record in parallel), and given back if the recording rolls back
    (a gap only when a later number was taken meanwhile, or the database is gone)."""
    if gapless or transaction.get_connection().in_atomic_block:
        with transaction.atomic():
            yield reference_next(prefix=prefix, year=year)
        return
    reference = reference_take(prefix=prefix, year=year)
    recording = False
    try:
        with transaction.atomic():
            recording = True
            yield reference
            recording = False  # from here, the commit: its failure leaves the outcome unknown
    except BaseException:
        if recording:
            reference_give_back(reference, prefix=prefix, year=year)
        raise
