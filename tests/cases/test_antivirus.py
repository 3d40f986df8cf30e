"""Antivirus (core.antivirus, cases.scanning) against a real clamd: Debian's clamav-daemon
started here with a database holding only a test signature of our own (no freshclam, no
network). A clean upload becomes servable; the signed content is quarantined and never
served; while clamd cannot answer, a file stays pending and unserved."""

import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from guichet.cases.models import CaseAttachment, ScanState
from guichet.cases.scanning import attachment_scan, pending_attachments_scan
from guichet.core.antivirus import clamd_scan
from guichet.core.audit import AuditEntry
from tests.conftest import login_with_second_factor
from tests.factories import pdf_bytes

#: the bytes our test signature matches, hidden inside an otherwise valid PDF's text
MARKER = b"GUICHETTESTMALWARE7f3a9c"
CLAMD = shutil.which("clamd") or ("/usr/sbin/clamd" if Path("/usr/sbin/clamd").exists() else None)


def _signed_pdf() -> bytes:
    """A valid PDF (it passes the upload checks) whose metadata holds the signed bytes."""
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_metadata({"/Subject": MARKER.decode()})
    out = io.BytesIO()
    writer.write(out)
    assert MARKER in out.getvalue()
    return out.getvalue()


@pytest.fixture(scope="module")
def clamd_socket(tmp_path_factory):
    if CLAMD is None:
        pytest.skip("clamd is not installed (apt-get install clamav-daemon): antivirus not tested")
    base = tmp_path_factory.mktemp("clamd")
    database = base / "db"
    database.mkdir()
    # an .ndb body signature: name:target(0 = any file):offset(* = anywhere):hex
    (database / "guichet-test.ndb").write_text(f"Guichet.Test.Marker:0:*:{MARKER.hex()}\n")
    sock = base / "clamd.sock"
    conf = base / "clamd.conf"
    conf.write_text(
        f"LocalSocket {sock}\nDatabaseDirectory {database}\nForeground yes\n"
        f"LogFile {base / 'clamd.log'}\nPidFile {base / 'clamd.pid'}\n"
        f"TemporaryDirectory {base}\nUser root\nStreamMaxLength 1M\n"
    )
    process = subprocess.Popen(  # noqa: S603 - our own fixed command line
        [CLAMD, "--config-file", str(conf)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail("clamd stopped: " + (base / "clamd.log").read_text()[-2000:])
            try:
                with socket.socket(socket.AF_UNIX) as probe:
                    probe.connect(str(sock))
                    probe.sendall(b"zPING\0")
                    if probe.recv(16).startswith(b"PONG"):
                        break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("clamd did not answer within 60 s")
        yield str(sock)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def test_clamd_answers_clean_and_found(clamd_socket, settings):
    settings.CLAMD_SOCKET = clamd_socket
    assert clamd_scan(b"hello").verdict == "clean"
    result = clamd_scan(_signed_pdf())
    assert result.verdict == "infected" and "Guichet.Test.Marker" in result.detail


def test_a_stream_above_clamd_limit_is_an_error_not_a_pass(clamd_socket, settings):
    settings.CLAMD_SOCKET = clamd_socket
    result = clamd_scan(b"x" * (3 * 1024 * 1024))
    assert result.verdict == "error" and "limit" in result.detail


def _send(client, case, name, content):
    return client.post(
        reverse("cases:message", args=[case.reference]),
        {"body": "Ma pièce", "files": SimpleUploadedFile(name, content, "application/pdf")},
    )


def test_a_clean_file_is_scanned_then_served(
    clamd_socket, settings, client, file_case, place, django_capture_on_commit_callbacks
):
    settings.CLAMD_SOCKET = clamd_socket
    case = file_case()
    client.force_login(place.citizen)
    with django_capture_on_commit_callbacks(execute=True):
        assert _send(client, case, "propre.pdf", pdf_bytes()).status_code == 302
    attachment = case.attachments.get()
    assert attachment.scan_state == ScanState.CLEAN and attachment.scanned_at
    agent = login_with_second_factor(client, place.agent)
    response = agent.get(reverse("cases_bo:attachment", args=[attachment.pk]))
    assert response.status_code == 200


def test_an_infected_file_is_quarantined_and_never_served(
    clamd_socket, settings, client, file_case, place, django_capture_on_commit_callbacks
):
    settings.CLAMD_SOCKET = clamd_socket
    case = file_case()
    client.force_login(place.citizen)
    with django_capture_on_commit_callbacks(execute=True):
        assert _send(client, case, "piege.pdf", _signed_pdf()).status_code == 302
    attachment = case.attachments.get()
    assert attachment.scan_state == ScanState.INFECTED
    assert "Guichet.Test.Marker" in attachment.scan_detail and not attachment.file
    assert AuditEntry.objects.filter(
        action="cases.attachment_infected", object_id=str(attachment.pk)
    ).exists()
    citizen_page = client.get(reverse("cases:case", args=[case.reference])).content.decode()
    assert "refusé par l&#x27;antivirus" in citizen_page
    url = reverse("cases:attachment", args=[case.reference, attachment.pk])
    assert client.get(url).status_code == 404
    agent = login_with_second_factor(client, place.agent)
    assert agent.get(reverse("cases_bo:attachment", args=[attachment.pk])).status_code == 404


def test_while_clamd_is_down_a_file_stays_pending_and_unserved(
    clamd_socket, settings, client, file_case, place, django_capture_on_commit_callbacks, tmp_path
):
    settings.CLAMD_SOCKET = str(tmp_path / "no-clamd.sock")
    case = file_case()
    client.force_login(place.citizen)
    with django_capture_on_commit_callbacks(execute=True):
        assert _send(client, case, "attente.pdf", pdf_bytes()).status_code == 302
    attachment = case.attachments.get()
    assert attachment.scan_state == ScanState.PENDING
    agent = login_with_second_factor(client, place.agent)
    assert agent.get(reverse("cases_bo:attachment", args=[attachment.pk])).status_code == 403
    # clamd back: the periodic job scans what was left pending
    settings.CLAMD_SOCKET = clamd_socket
    CaseAttachment.objects.filter(pk=attachment.pk).update(
        created_at=attachment.created_at.replace(year=attachment.created_at.year - 1)
    )
    assert pending_attachments_scan() == 1
    attachment.refresh_from_db()
    assert attachment.scan_state == ScanState.CLEAN
    assert attachment_scan(attachment_id=attachment.pk) == "skipped"


def test_without_an_antivirus_an_upload_is_clean_at_once(settings, client, file_case, place):
    settings.CLAMD_SOCKET = settings.CLAMD_TCP = ""
    case = file_case()
    client.force_login(place.citizen)
    assert _send(client, case, "scan.pdf", pdf_bytes()).status_code == 302
    assert case.attachments.get().scan_state == ScanState.CLEAN
