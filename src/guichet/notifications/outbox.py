"""The delivery engine: claim due outbox rows, send them, record the outcome.

Guarantees (tested in ``tests/notifications/test_outbox_faults.py``):

- A row is claimed in a short transaction (``SELECT ... FOR UPDATE SKIP LOCKED`` on
  PostgreSQL, a write-locked transaction on SQLite): ``pending`` → ``sending`` with a lease.
  Several workers on several machines never claim the same row.
- Each message is marked ``sent`` in its own statement right after the server accepted it, so a
  worker killed mid-batch leaves at most the message it had in flight unmarked. The other rows
  of its batch were never sent: when their lease expires, ``deliveries_sweep`` puts them back
  to ``pending``. The in-flight one goes again with the same Message-ID.
- E-mails of a batch share one SMTP connection (``get_connection()`` + ``send_messages``).
- When the mail server cannot be reached, the batch goes back to ``pending`` for a later round
  without using up attempts: an outage never turns a message into a failure.
- A message refused by the server is retried with exponential back-off, then ``failed``
  (visible and retryable in the admin).
"""

import functools
import logging
import os
import smtplib
import socket
import time
from contextlib import contextmanager
from datetime import datetime, timedelta
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.smtp import EmailBackend as SmtpEmailBackend
from django.core.mail.message import sanitize_address
from django.db import InterfaceError, OperationalError, connection, transaction
from django.utils import timezone

from guichet.notifications.models import Broadcast, Channel, Delivery
from guichet.notifications.rendering import absolute_url, branding_for

logger = logging.getLogger(__name__)


def _setting(name: str, default):
    return getattr(settings, name, default)


def lease_duration() -> timedelta:
    return timedelta(seconds=_setting("NOTIFICATIONS_LEASE_SECONDS", 300))


def batch_size() -> int:
    return _setting("NOTIFICATIONS_BATCH_SIZE", 100)


def max_attempts() -> int:
    return _setting("NOTIFICATIONS_MAX_ATTEMPTS", 8)


def backoff(attempts: int) -> timedelta:
    """Delay before attempt ``attempts + 1``: 1 min, 2, 4, 8... capped at 6 hours."""
    base = _setting("NOTIFICATIONS_RETRY_BASE_SECONDS", 60)
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), 6 * 3600))


def outage_delay() -> timedelta:
    return timedelta(seconds=_setting("NOTIFICATIONS_OUTAGE_RETRY_SECONDS", 60))


def default_worker_id() -> str:
    return f"{socket.gethostname()[:40]}-{os.getpid()}"


class TransportUnavailable(Exception):
    """The channel's server cannot be reached: nothing was handed over, try the batch later."""


class PermanentFailure(Exception):
    """The message can never be delivered (unknown subscriber, invalid number): do not retry."""


# --- Claiming and recording outcomes -----------------------------------------------------------


def deliveries_claim(
    *, channel: str, worker_id: str, limit: int, now: datetime | None = None
) -> list[Delivery]:
    """Lease up to ``limit`` due rows of ``channel`` to ``worker_id`` and return them."""
    now = now or timezone.now()
    with transaction.atomic():
        ids = list(
            Delivery.objects.filter(
                status=Delivery.Status.PENDING, channel=channel, next_attempt_at__lte=now
            )
            .order_by("next_attempt_at", "id")
            .select_for_update(skip_locked=True)
            .values_list("id", flat=True)[:limit]
        )
        if not ids:
            return []
        Delivery.objects.filter(id__in=ids, status=Delivery.Status.PENDING).update(
            status=Delivery.Status.SENDING,
            lease_expires_at=now + lease_duration(),
            worker_id=worker_id,
        )
    deliveries = list(
        Delivery.objects.filter(id__in=ids, worker_id=worker_id, status=Delivery.Status.SENDING)
        .select_related("notification", "push_subscription")
        .order_by("next_attempt_at", "id")
    )
    _attach_shared(deliveries)
    return deliveries


def _attach_shared(deliveries: list[Delivery]) -> None:
    """Give the batch's notifications their broadcast and sending organisation, each read
    once for the batch: the hundred rows of a broadcast share one of each, and joining them
    brought the broadcast's bodies and the commune's boundary back (and decoded) per row."""
    from guichet.territory.models import Organisation

    notifications = [d.notification for d in deliveries]
    broadcast_ids = {n.broadcast_id for n in notifications if n.broadcast_id}
    organisation_ids = {n.organisation_id for n in notifications if n.organisation_id}
    broadcasts = Broadcast.objects.in_bulk(broadcast_ids) if broadcast_ids else {}
    organisations = (
        Organisation.objects.defer("boundary").in_bulk(organisation_ids) if organisation_ids else {}
    )
    for notification in notifications:
        if notification.broadcast_id in broadcasts:
            notification.broadcast = broadcasts[notification.broadcast_id]
        if notification.organisation_id in organisations:
            notification.organisation = organisations[notification.organisation_id]


@functools.cache
def _mark_sent_sql() -> str:
    table = connection.ops.quote_name(Delivery._meta.db_table)
    return (
        f"UPDATE {table} SET status = %s, sent_at = %s, lease_expires_at = NULL, "  # noqa: S608 - table name from the model, values bound
        "attempts = attempts + 1, last_error = '' "
        "WHERE id = %s AND status = %s AND worker_id = %s"
    )


def _mark_sent(delivery: Delivery, worker_id: str, cursor) -> None:
    # One short statement per message, committed at once (autocommit): a worker killed after
    # this line never sends the message again. Plain SQL: at broadcast volume the ORM's query
    # building cost as much as the database write itself. ``cursor``: the batch's, opened once.
    cursor.execute(
        _mark_sent_sql(),
        [
            Delivery.Status.SENT.value,
            connection.ops.adapt_datetimefield_value(timezone.now()),
            delivery.id,
            Delivery.Status.SENDING.value,
            worker_id,
        ],
    )


# Messages the mail server accepted but whose ``sent`` mark could not be written (the database
# went away between the two: a restart, a failover), as (delivery id, worker id). Kept by this
# process and written first thing when the database answers again (``_accepted_marks_flush``),
# before the lease runs out and the row is put back to be sent a second time.
_accepted_unmarked: list[tuple[int, str]] = []


@functools.cache
def _late_mark_sql() -> str:
    table = connection.ops.quote_name(Delivery._meta.db_table)
    return (
        f"UPDATE {table} SET status = %s, sent_at = %s, lease_expires_at = NULL, "  # noqa: S608 - table name from the model, values bound
        "attempts = attempts + 1, last_error = '' "
        "WHERE id = %s AND (status = %s OR (status = %s AND worker_id = %s))"
    )


def _accepted_marks_flush() -> int:
    """Write the ``sent`` marks kept while the database was away. A row still held by this
    worker, or already put back to ``pending`` by the lease sweep but not claimed again, is
    marked sent; one another worker has claimed again since is left to it (it goes twice, with
    the same Message-ID). Raises while the database is still away (the marks stay kept)."""
    flushed = 0
    while _accepted_unmarked:
        delivery_id, worker_id = _accepted_unmarked[0]
        with connection.cursor() as cursor:
            cursor.execute(
                _late_mark_sql(),
                [
                    Delivery.Status.SENT.value,
                    connection.ops.adapt_datetimefield_value(timezone.now()),
                    delivery_id,
                    Delivery.Status.PENDING.value,
                    Delivery.Status.SENDING.value,
                    worker_id,
                ],
            )
        _accepted_unmarked.pop(0)
        flushed += 1
    if flushed:
        logger.warning("%s sent marks written after the database came back", flushed)
    return flushed


@contextmanager
def _asynchronous_commits():
    """On PostgreSQL, commit the per-message marks of a batch without waiting for the WAL flush
    (``synchronous_commit = off``, ADR 0009).

    The guarantee that matters is about a *worker* dying: each ``sent`` mark is committed, hence
    visible to every other worker, before the next message goes out, and that holds with
    asynchronous commit. Only a crash of the database server itself can forget the last few
    hundred milliseconds of marks; those messages are then sent again, with the same
    Message-ID — never lost. Waiting for a disk flush per message (about 5 ms here) otherwise
    caps a broadcast at a fraction of the SMTP server's rate.
    """
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO off")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")


def _mark_failed_attempt(delivery: Delivery, worker_id: str, error: str, *, permanent=False):
    attempts = delivery.attempts + 1
    final = permanent or attempts >= max_attempts()
    Delivery.objects.filter(
        id=delivery.id, status=Delivery.Status.SENDING, worker_id=worker_id
    ).update(
        status=Delivery.Status.FAILED if final else Delivery.Status.PENDING,
        attempts=attempts,
        next_attempt_at=timezone.now() + backoff(attempts),
        lease_expires_at=None,
        last_error=error[:2000],
    )
    logger.warning("delivery %s attempt %s failed: %s", delivery.id, attempts, error)


def _release(deliveries: list[Delivery], worker_id: str, error: str) -> None:
    """Give rows back untouched (the server was unreachable): retried later, no attempt used."""
    Delivery.objects.filter(
        id__in=[d.id for d in deliveries], status=Delivery.Status.SENDING, worker_id=worker_id
    ).update(
        status=Delivery.Status.PENDING,
        next_attempt_at=timezone.now() + outage_delay(),
        lease_expires_at=None,
        last_error=error[:2000],
    )


# --- Content of a delivery -------------------------------------------------------------------


def _content(delivery: Delivery) -> tuple[str, str, str, str]:
    """(subject, text, html, sms) of the delivery, shared with its broadcast if any."""
    source = delivery.notification.broadcast or delivery.notification
    return source.subject, source.body_text, source.body_html, source.sms_text


def _from_address(organisation, cache: dict) -> str:
    key = organisation.pk if organisation is not None else None
    if key not in cache:
        name = branding_for(organisation)["name"]
        _default_name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
        # Unencoded: Django encodes the display name (RFC 2047) when it builds the message.
        clean = name.replace('"', "").replace("\\", "")
        cache[key] = f'"{clean}" <{address}>'
    return cache[key]


def delivery_email(
    delivery: Delivery, connection, from_cache: dict, *, to: str = "", message_id: str = ""
) -> EmailMultiAlternatives:
    subject, text, html, _sms = _content(delivery)
    # a case's reply address (cases.replies): the answer to this mail joins that case
    reply_to = delivery.notification.contact.get("reply_to", "")
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=_from_address(delivery.notification.organisation, from_cache),
        to=[to or delivery.to],
        connection=connection,
        headers={
            "Message-ID": message_id or delivery.message_id,
            "Auto-Submitted": "auto-generated",
            "List-Unsubscribe": f"<{absolute_url('/notifications/preferences/')}>",
        },
        reply_to=[reply_to] if reply_to else None,
    )
    if html:
        message.attach_alternative(html, "text/html")
    return message


_TO_PLACEHOLDER = "destinataire@placeholder.invalid"
_ID_PLACEHOLDER = "<message-id@placeholder.invalid>"


class SharedEmail:
    """A broadcast's e-mail, built and flattened once: each copy differs only by its ``To`` and
    ``Message-ID`` headers, so a broadcast of 100,000 messages does not rebuild 100,000 MIME
    trees. Sent on the batch's SMTP connection exactly as Django's backend would."""

    def __init__(self, delivery: Delivery, connection, from_cache: dict):
        template = delivery_email(
            delivery, connection, from_cache, to=_TO_PLACEHOLDER, message_id=_ID_PLACEHOLDER
        )
        self.encoding = template.encoding or settings.DEFAULT_CHARSET
        self.from_email = sanitize_address(template.from_email, self.encoding)
        self.raw = template.message().as_bytes(linesep="\r\n")
        if self.raw.count(_TO_PLACEHOLDER.encode()) != 1 or (
            self.raw.count(_ID_PLACEHOLDER.encode()) != 1
        ):
            raise ValueError("unexpected placeholder count in a shared e-mail")

    def send(self, connection, delivery: Delivery) -> None:
        to = sanitize_address(delivery.to, self.encoding)
        raw = self.raw.replace(_TO_PLACEHOLDER.encode(), to.encode()).replace(
            _ID_PLACEHOLDER.encode(), delivery.message_id.encode()
        )
        connection.connection.sendmail(self.from_email, [to], raw)


# --- Senders per channel --------------------------------------------------------------------

# Errors that concern one message (the server answered and refused it).
_MESSAGE_ERRORS = (
    smtplib.SMTPRecipientsRefused,
    smtplib.SMTPSenderRefused,
    smtplib.SMTPDataError,
    smtplib.SMTPNotSupportedError,
)


def _send_email_batch(deliveries: list[Delivery], worker_id: str) -> int:
    smtp = get_connection(fail_silently=False)
    try:
        smtp.open()
    except (OSError, smtplib.SMTPException) as exc:
        _release(deliveries, worker_id, f"serveur de messagerie injoignable : {exc}")
        logger.warning("mail server unreachable, %s deliveries deferred: %s", len(deliveries), exc)
        return 0
    sent = 0
    from_cache: dict = {}
    shared: dict[int, SharedEmail] = {}
    # The shared fast path speaks SMTP directly; other backends (console, file, memory) get
    # one EmailMessage per delivery.
    smtp_backend = isinstance(smtp, SmtpEmailBackend)
    marks = connection.cursor()  # the batch's sent marks, one cursor for all
    try:
        for index, delivery in enumerate(deliveries):
            try:
                broadcast_id = delivery.notification.broadcast_id
                if broadcast_id is None or not smtp_backend:
                    smtp.send_messages([delivery_email(delivery, smtp, from_cache)])
                else:
                    if broadcast_id not in shared:
                        shared[broadcast_id] = SharedEmail(delivery, smtp, from_cache)
                    shared[broadcast_id].send(smtp, delivery)
            except _MESSAGE_ERRORS as exc:
                if isinstance(exc, smtplib.SMTPRecipientsRefused):
                    codes = [code for code, _msg in exc.recipients.values()]
                else:
                    codes = [getattr(exc, "smtp_code", 0)]
                permanent = all(code >= 500 for code in codes)
                _mark_failed_attempt(delivery, worker_id, repr(exc), permanent=permanent)
            except (OSError, smtplib.SMTPException) as exc:
                # The connection broke: this message and the rest of the batch go back to the
                # queue (this one with the same Message-ID, in case the server had kept it).
                _release(deliveries[index:], worker_id, f"connexion interrompue : {exc}")
                break
            else:
                _mark_sent_or_keep(delivery, worker_id, marks)
                sent += 1
    finally:
        marks.close()
        try:
            smtp.close()
        except Exception:  # closing a broken connection must not hide the outcome
            logger.debug("closing the SMTP connection failed", exc_info=True)
    return sent


def _mark_sent_or_keep(delivery: Delivery, worker_id: str, marks) -> None:
    """Mark ``delivery`` sent; if the database is gone, the server has the message all the
    same: keep the mark for when it is back (the rest of the batch waits for its lease, nothing
    is lost) and let the error stop the batch."""
    try:
        _mark_sent(delivery, worker_id, marks)
    except (OperationalError, InterfaceError):
        _accepted_unmarked.append((delivery.id, worker_id))
        raise


def _send_one_by_one(deliveries: list[Delivery], worker_id: str, send, *, one_server) -> int:
    """Send each message in turn. ``one_server``: all go through one provider, so when it is
    unreachable the rest of the batch is deferred too (push endpoints differ per browser)."""
    sent = 0
    with connection.cursor() as marks:
        for index, delivery in enumerate(deliveries):
            try:
                send(delivery)
            except TransportUnavailable as exc:
                _release(deliveries[index:] if one_server else [delivery], worker_id, str(exc))
                if one_server:
                    break
            except PermanentFailure as exc:
                _mark_failed_attempt(delivery, worker_id, str(exc), permanent=True)
            except Exception as exc:  # any provider error is one failed attempt
                _mark_failed_attempt(delivery, worker_id, repr(exc))
            else:
                _mark_sent_or_keep(delivery, worker_id, marks)
                sent += 1
    return sent


def _send_sms(delivery: Delivery) -> None:
    from guichet.notifications.sms import get_sms_backend

    _subject, _text, _html, sms = _content(delivery)
    get_sms_backend().send(to=delivery.to, text=sms, message_id=delivery.message_id)


def _send_push(delivery: Delivery) -> None:
    from guichet.notifications.push import push_send

    if delivery.push_subscription is None:
        raise PermanentFailure("abonnement push supprimé")
    notification = delivery.notification
    subject, text, _html, _sms = _content(delivery)
    push_send(
        subscription=delivery.push_subscription,
        payload={
            "title": subject,
            "body": text[:300],
            "url": absolute_url(notification.url or "/notifications/"),
            "tag": delivery.message_id,
        },
    )


def _send_batch(channel: str, deliveries: list[Delivery], worker_id: str) -> int:
    with _asynchronous_commits():
        if channel == Channel.EMAIL:
            return _send_email_batch(deliveries, worker_id)
        if channel == Channel.SMS:
            return _send_one_by_one(deliveries, worker_id, _send_sms, one_server=True)
        return _send_one_by_one(deliveries, worker_id, _send_push, one_server=False)


def deliveries_process(
    *,
    worker_id: str | None = None,
    channels: list[str] | None = None,
    now: datetime | None = None,
    time_budget: float | None = None,
    limit: int | None = None,
) -> int:
    """Send what is due, batch after batch, until nothing is due, ``time_budget`` seconds
    have passed or ``limit`` messages were handled. Returns the number sent."""
    worker_id = worker_id or default_worker_id()
    _accepted_marks_flush()
    started = time.monotonic()
    handled = sent = 0
    for channel in channels or [c.value for c in Channel]:
        while True:
            size = batch_size() if limit is None else min(batch_size(), limit - handled)
            if size <= 0:
                return sent
            batch = deliveries_claim(channel=channel, worker_id=worker_id, limit=size, now=now)
            if not batch:
                break
            handled += len(batch)
            sent += _send_batch(channel, batch, worker_id)
            if time_budget is not None and time.monotonic() - started > time_budget:
                return sent
    return sent


def deliveries_requeue_expired(*, now: datetime | None = None) -> int:
    """Put back to ``pending`` the rows whose worker died while holding them."""
    now = now or timezone.now()
    return Delivery.objects.filter(status=Delivery.Status.SENDING, lease_expires_at__lt=now).update(
        status=Delivery.Status.PENDING,
        next_attempt_at=now,
        lease_expires_at=None,
        last_error="bail expiré : le worker s'est arrêté pendant l'envoi",
    )


def deliveries_due_exist(*, now: datetime | None = None) -> bool:
    return Delivery.objects.filter(
        status=Delivery.Status.PENDING, next_attempt_at__lte=now or timezone.now()
    ).exists()
