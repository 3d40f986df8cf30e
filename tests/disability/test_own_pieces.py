"""The person (or the representative who filed) downloads the pieces of their own file from
its page: decrypted, streamed, as an attachment, never cached; each read recorded under the
house like an agent's (its auditor sees it). Nobody else gets them through this door."""

import pytest

from tests.factories import pdf_bytes

pytestmark = pytest.mark.django_db


def _medical(file):
    return file.pieces.get(kind="medical_certificate")


def test_the_parent_downloads_every_piece_of_her_file_and_each_read_is_recorded(
    filed, parent_client, people
):
    from guichet.core.models import AccessRecord

    ref = filed.case.reference
    page = parent_client.get(f"/mdmph/dossiers/{ref}/").content.decode()
    for piece in filed.pieces.all():
        assert f"/mdmph/dossiers/{ref}/pieces/{piece.pk}/" in page
    piece = _medical(filed)
    response = parent_client.get(f"/mdmph/dossiers/{ref}/pieces/{piece.pk}/")
    assert response.status_code == 200
    assert response.streaming
    assert response.getvalue() == pdf_bytes()
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{piece.download_name}"'
    assert response["Cache-Control"] == "no-store"
    # the stored name may name a diagnosis: the download is named by the piece's type
    assert "autisme" not in response["Content-Disposition"]
    read = AccessRecord.objects.get(door="disability.piece", actor=people["parent"])
    assert read.case_reference == ref
    assert read.object_id == str(piece.pk)
    assert read.organisation_id == filed.organisation_id  # the house's auditor sees it


def test_the_house_auditor_sees_the_person_s_downloads(filed, parent_client, as_agent, people):
    ref = filed.case.reference
    parent_client.get(f"/mdmph/dossiers/{ref}/pieces/{_medical(filed).pk}/")
    page = as_agent("auditor").get(f"/backoffice/audit/?reference={ref}").content.decode()
    assert f'href="?agent={people["parent"].pk}"' in page


def test_someone_else_gets_a_404_and_no_content(filed, client, people, as_agent):
    from guichet.accounts.models import User
    from guichet.core.models import AccessRecord

    ref, piece = filed.case.reference, _medical(filed)
    url = f"/mdmph/dossiers/{ref}/pieces/{piece.pk}/"
    stranger = User.objects.get(email="lucas.bernard@example.org")
    client.force_login(stranger)
    assert client.get(url).status_code == 404
    # the house's own agents read pieces through their door, not the person's; the platform
    # admin and a commune agent get the same 404
    for role in ("reception", "doctor", "admin", "commune"):
        response = as_agent(role).get(url)
        assert response.status_code == 404
        assert pdf_bytes() not in b"".join(getattr(response, "streaming_content", [b""]))
    assert not AccessRecord.objects.filter(door="disability.piece").exists()
    # each attempt recorded under the house, for its auditor
    refused = AccessRecord.objects.filter(door="disability.refused", case_reference=ref)
    assert {r.actor_id for r in refused} == {
        stranger.pk,
        *(people[role].pk for role in ("reception", "doctor", "admin", "commune")),
    }
    assert {r.organisation_id for r in refused} == {filed.organisation_id}


def test_the_platform_admin_has_no_admin_page_of_files_or_pieces(filed, as_agent):
    admin = as_agent("admin")
    for model in ("disabilityfile", "piece", "filingdraft"):
        assert admin.get(f"/admin/disability/{model}/").status_code == 404, model
    assert admin.get("/admin/disability/housegrant/").status_code == 200


def test_a_piece_of_another_file_is_not_reachable_through_one_s_own(
    filed, parent_client, people, child
):
    from guichet.disability.models import Piece

    other = Piece.objects.exclude(file=filed).first()
    assert other is None or other.file_id != filed.pk
    response = parent_client.get(f"/mdmph/dossiers/{filed.case.reference}/pieces/999999/")
    assert response.status_code == 404


def test_the_person_s_download_fails_closed_without_the_key(filed, parent_client, settings):
    from cryptography.fernet import Fernet

    settings.DISABILITY_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    piece = _medical(filed)
    response = parent_client.get(f"/mdmph/dossiers/{filed.case.reference}/pieces/{piece.pk}/")
    assert response.status_code == 503
    assert pdf_bytes() not in response.content
