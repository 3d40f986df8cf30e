"""When a reference's number is taken (``reference_reserved``, ADR 0014): for most services in
a transaction of its own, just before the case is recorded (the counter row is locked for one
statement, and a recording that fails gives the number back); for a service whose numbers must
have no gap, inside the recording transaction (the counter is held until the commit)."""

import threading
from contextlib import contextmanager

import pytest
from django.db import connection, connections
from django.db.models.signals import post_save

from guichet.cases.models import Case, Channel, ReferenceCounter
from guichet.cases.references import reference_give_back, reference_take
from guichet.cases.submission import case_submit


def _number(reference: str) -> int:
    return int(reference.rsplit("-", 1)[1])


@pytest.fixture
def submit(place, contact, contact_data):
    def make():
        return case_submit(
            actor=None,
            definition=contact,
            channel=Channel.API,
            contact={"email": "x@example.org"},
            commune=place.other_commune,
            data=contact_data,
        ).case

    return make


@contextmanager
def on_case_saved(function):
    """Run ``function(case)`` inside the recording transaction, when the case row is written."""

    def receiver(sender, instance, created, **kwargs):
        if created:
            function(instance)

    post_save.connect(receiver, sender=Case, weak=False)
    try:
        yield
    finally:
        post_save.disconnect(receiver, sender=Case)


def _another_connection_takes_the_row(outcome: dict, lock_timeout: str):
    """For ``on_case_saved``: another thread, on its own connection, updates the MAIRIE counter
    row (waiting at most ``lock_timeout``) and writes in ``outcome`` the rows it updated, or the
    error it met (a lock timeout: the row is locked by the recording)."""

    def take(case):
        def update():
            try:
                with connection.cursor() as cursor:  # this thread's own connection
                    cursor.execute(f"SET lock_timeout = '{lock_timeout}'")
                    cursor.execute(
                        "UPDATE cases_referencecounter SET last = last WHERE prefix = %s",
                        ["MAIRIE"],
                    )
                    outcome["rows"] = cursor.rowcount
            except Exception as exc:
                outcome["error"] = str(exc)
            finally:
                connections.close_all()

        thread = threading.Thread(target=update)
        thread.start()
        thread.join(10)

    return take


@pytest.mark.django_db(transaction=True)
def test_a_submission_that_fails_while_recording_gives_its_number_back(submit):
    first = submit()
    cases = Case.objects.count()

    def fail(case):
        raise RuntimeError("the disk is full")

    with on_case_saved(fail), pytest.raises(RuntimeError, match="disk is full"):
        submit()
    assert Case.objects.count() == cases
    counter = ReferenceCounter.objects.get(prefix="MAIRIE")
    assert counter.last == _number(first.reference)
    assert _number(submit().reference) == _number(first.reference) + 1  # no gap


@pytest.mark.django_db(transaction=True)
def test_a_number_is_given_back_only_while_it_is_the_last_taken():
    first = reference_take(prefix="TST", year=2026)
    second = reference_take(prefix="TST", year=2026)
    assert (first, second) == ("TST-2026-000001", "TST-2026-000002")
    assert reference_give_back(first, prefix="TST", year=2026) is False  # a gap, no duplicate
    assert ReferenceCounter.objects.get(prefix="TST", year=2026).last == 2
    assert reference_give_back(second, prefix="TST", year=2026) is True
    assert ReferenceCounter.objects.get(prefix="TST", year=2026).last == 1
    assert reference_take(prefix="TST", year=2026) == "TST-2026-000002"


@pytest.mark.django_db(transaction=True)
def test_taking_a_number_inside_a_transaction_is_refused():
    from django.db import transaction

    with transaction.atomic(), pytest.raises(RuntimeError):
        reference_take(prefix="TST", year=2026)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_counter_is_not_locked_while_the_case_records(submit):
    """Another submission to the same service can take its number while this one records."""
    outcome = {}

    with on_case_saved(_another_connection_takes_the_row(outcome, lock_timeout="3s")):
        case = submit()
    assert outcome == {"rows": 1}
    assert Case.objects.filter(reference=case.reference).exists()


@pytest.mark.django_db(transaction=True)
def test_bad_input_takes_no_number(submit, place, contact, contact_data):
    from guichet.cases.errors import CaseInputError

    first = submit()
    with pytest.raises(CaseInputError):
        case_submit(
            actor=None,
            definition=contact,
            channel=Channel.API,
            contact={"email": "x@example.org"},
            commune=place.other_commune,
            data={**contact_data, "objet": ""},
        )
    assert ReferenceCounter.objects.get(prefix="MAIRIE").last == _number(first.reference)
    assert _number(submit().reference) == _number(first.reference) + 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_never_share_a_reference(submit):
    from concurrent.futures import ThreadPoolExecutor

    def submit_in_a_thread(_):
        try:
            return submit().reference
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=8) as pool:
        references = list(pool.map(submit_in_a_thread, range(24)))
    assert len(set(references)) == 24
    numbers = sorted(int(r[-6:]) for r in references)
    assert numbers == list(range(numbers[0], numbers[0] + 24))


@pytest.fixture
def gapless_contact():
    """The contact service declared as numbered without gaps (as urbanism will be)."""
    from guichet.catalogue.registry import ServiceManifest, register_manifest, unregister_manifest

    register_manifest(
        ServiceManifest(app_label="gapless_probe", key_prefix="contact", gapless_references=True)
    )
    yield
    unregister_manifest("gapless_probe")


@pytest.mark.django_db(transaction=True)
def test_a_gapless_service_takes_its_number_in_the_recording_transaction(
    submit, gapless_contact, monkeypatch
):
    from guichet.cases import references

    def refuse(**kwargs):
        raise AssertionError("a gapless number is never taken in a transaction of its own")

    monkeypatch.setattr(references, "reference_take", refuse)
    first = submit()

    def fail(case):
        raise RuntimeError("the disk is full")

    with on_case_saved(fail), pytest.raises(RuntimeError):
        submit()
    assert ReferenceCounter.objects.get(prefix="MAIRIE").last == _number(first.reference)
    assert _number(submit().reference) == _number(first.reference) + 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_gapless_service_holds_its_counter_until_the_case_is_recorded(submit, gapless_contact):
    """The other side of the choice: another submission to a gapless service waits."""
    submit()  # the year's counter row exists (a first case), as it does but on January 1st
    outcome = {}

    with on_case_saved(_another_connection_takes_the_row(outcome, lock_timeout="1s")):
        case = submit()
    assert "lock" in outcome.get("error", ""), outcome
    assert Case.objects.filter(reference=case.reference).exists()
