"""The periodic jobs: agents alerted before the silence date; the retention purge."""

import datetime

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

pytestmark = pytest.mark.django_db


def test_silence_alert_goes_to_the_named_agents_once(filed, settings, people):
    from guichet.disability.instruction import silence_alerts_send
    from guichet.notifications.models import Notification

    settings.DISABILITY_SILENCE_ALERT_DAYS = 30
    early = filed.silence_date - datetime.timedelta(days=31)
    assert silence_alerts_send(today=early) == 0
    due = filed.silence_date - datetime.timedelta(days=30)
    assert silence_alerts_send(today=due) == 1
    assert silence_alerts_send(today=due) == 0  # once
    alerted = set(
        Notification.objects.filter(url=f"/mdmph/instruction/{filed.case.reference}/").values_list(
            "recipient__email", flat=True
        )
    )
    assert alerted == {
        "agent.mdmph@example.org",
        "accueil.mdmph@example.org",
        "medecin.mdmph@example.org",
    }
    assert (
        filed.silence_date.strftime("%d/%m/%Y")
        in Notification.objects.filter(recipient=people["doctor"]).get().subject
    )


def test_closed_files_are_not_alerted(filed):
    from guichet.disability.instruction import silence_alerts_send

    filed.case.is_closed = True
    filed.case.save(update_fields=["is_closed"])
    assert silence_alerts_send(today=filed.silence_date) == 0


def _close(file, days_ago):
    file.case.is_closed = True
    file.case.closed_at = timezone.now() - datetime.timedelta(days=days_ago)
    file.case.save(update_fields=["is_closed", "closed_at"])


def test_purge_removes_pieces_past_their_retention_and_records_it(filed, settings):
    from guichet.disability.models import PurgeRecord
    from guichet.disability.retention import purge_run

    settings.DISABILITY_RETENTION_DAYS = {"medical_certificate": 30, "file": 3650}
    medical = filed.pieces.get(kind="medical_certificate")
    _close(filed, 31)
    removed = purge_run()
    assert removed == {"piece": 1, "file": 0, "draft": 0}
    assert not filed.pieces.filter(kind="medical_certificate").exists()
    assert filed.pieces.count() == 3
    record = PurgeRecord.objects.get()
    assert (record.object_type, record.object_id, record.kind) == (
        "piece",
        medical.pk,
        "medical_certificate",
    )
    assert record.case_reference == filed.case.reference
    assert record.closed_on == filed.case.closed_at.date()
    assert record.retention_days == 30


def test_purge_removes_a_whole_file_past_retention(
    filed, settings, django_capture_on_commit_callbacks
):
    from guichet.cases.models import Case
    from guichet.disability.models import Piece, PurgeRecord
    from guichet.disability.retention import purge_run

    settings.DISABILITY_RETENTION_DAYS = {"file": 100}
    names = list(filed.pieces.values_list("storage_name", flat=True))
    _close(filed, 101)
    with django_capture_on_commit_callbacks(execute=True):
        removed = purge_run()
    assert removed["file"] == 1
    assert not Case.objects.filter(pk=filed.case.pk).exists()
    assert not Piece.objects.exists()
    assert not any(default_storage.exists(n) for n in names)
    record = PurgeRecord.objects.get(object_type="file")
    assert record.case_reference == filed.case.reference
    assert "Léo" not in str(record.__dict__)


def test_open_files_are_kept(filed, settings):
    from guichet.disability.retention import purge_run

    settings.DISABILITY_RETENTION_DAYS = dict.fromkeys(
        ("medical_certificate", "identity", "file"), 0
    )
    assert purge_run() == {"piece": 0, "file": 0, "draft": 0}
    assert filed.pieces.count() == 4


def test_periodic_jobs_are_registered():
    from guichet.core.periodic import registered_jobs

    names = {job.name for job in registered_jobs()}
    assert {"disability.silence_alerts", "disability.purge"} <= names


def test_gdpr_export_lists_files_and_erasure_deletes_drafts_and_their_pieces(
    filed, parent_client, child, django_capture_on_commit_callbacks
):
    from guichet.disability import gdpr
    from guichet.disability.models import FilingDraft, Piece
    from tests.disability.conftest import filing_post

    parent = filed.case.requester
    parent_client.post("/mdmph/deposer/", filing_post(dependant=child, action="save"))
    draft_names = list(
        Piece.objects.filter(draft__isnull=False).values_list("storage_name", flat=True)
    )
    exported = gdpr.export(parent)
    assert [f["reference"] for f in exported["files"]] == [filed.case.reference]
    assert len(exported["drafts"]) == 1
    with django_capture_on_commit_callbacks(execute=True):
        gdpr.erase(parent)
    assert not FilingDraft.objects.exists()
    assert draft_names and not any(default_storage.exists(n) for n in draft_names)
    assert filed.pieces.count() == 4  # the house's record stays (its own retention)


def test_antivirus_refuses_an_infected_piece(settings, monkeypatch):
    from guichet.core import antivirus
    from guichet.disability.errors import FilingError
    from guichet.disability.pieces import piece_take
    from tests.factories import pdf_bytes

    settings.CLAMD_TCP = "127.0.0.1:3310"
    monkeypatch.setattr(
        antivirus, "clamd_scan", lambda content, **kw: antivirus.ScanResult("infected", "Eicar")
    )
    with pytest.raises(FilingError) as refusal:
        piece_take(upload=("p.pdf", pdf_bytes()), kind="identity")
    assert "antivirus" in refusal.value.errors["identity"]
