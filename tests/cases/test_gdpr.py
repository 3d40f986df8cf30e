"""GDPR erasure of a person's cases: her files leave the disk, the contact fields of her
forms are blanked, the requests she filed without an account under an address she verified
are erased too, and so are her follows of public-space reports. Nobody else's data moves."""

from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings

from guichet.accounts.services import account_delete
from guichet.cases.attachments import attachment_store
from guichet.cases.messages import case_message_add
from guichet.cases.models import Case, CaseAttachment, Channel
from guichet.cases.submission import case_submit
from guichet.core.uploads import check_upload
from tests.factories import pdf_bytes

PDF = pdf_bytes()


def _on_disk(attachment) -> Path:
    return Path(settings.MEDIA_ROOT) / attachment.file.name


def _erase(user, capture):
    with capture(execute=True):
        account_delete(actor=user, user=user)


def _encombrants_case(encombrants, place, requester=None, contact=None):
    return case_submit(
        actor=requester,
        definition=encombrants,
        data={
            "objets": [{"nature": "meuble", "quantite": 1}],
            "adresse": {"street": "12 rue de la Paix", "postcode": "69600", "city": "Oullins"},
            "position": {"lat": 45.714, "lon": 4.807},
        },
        channel=Channel.WEB,
        requester=requester,
        contact=contact,
        commune=place.commune,
    ).case


@pytest.fixture
def camille(place):
    return place.citizen


@pytest.fixture
def lucas(place):
    return place.other_citizen


def test_her_files_are_deleted_from_storage_and_others_stay(
    place, file_case, camille, lucas, django_capture_on_commit_callbacks
):
    hers = file_case()
    form_file = attachment_store(clean=check_upload(("a.pdf", PDF)), case=hers, field_key="piece")
    message = case_message_add(
        actor=camille, case=hers, body="Le justificatif", from_citizen=True, files=[("b.pdf", PDF)]
    )
    in_message = message.attachments.get()
    theirs = file_case(requester=place.other_citizen)
    other = attachment_store(clean=check_upload(("c.pdf", PDF)), case=theirs, field_key="piece")
    assert _on_disk(form_file).exists() and _on_disk(in_message).exists()

    _erase(camille, django_capture_on_commit_callbacks)

    assert not _on_disk(form_file).exists() and not _on_disk(in_message).exists()
    assert not CaseAttachment.objects.filter(pk__in=[form_file.pk, in_message.pk]).exists()
    assert _on_disk(other).exists() and CaseAttachment.objects.filter(pk=other.pk).exists()
    assert Case.objects.filter(pk=hers.pk).exists()  # the record itself is kept, anonymised


def test_a_rollback_of_the_erasure_keeps_her_files(file_case, camille):
    from django.db import transaction

    case = file_case()
    kept = attachment_store(clean=check_upload(("a.pdf", PDF)), case=case, field_key="piece")
    with pytest.raises(RuntimeError), transaction.atomic():
        account_delete(actor=camille, user=camille)
        raise RuntimeError("interrompu")
    assert _on_disk(kept).exists() and CaseAttachment.objects.filter(pk=kept.pk).exists()


def test_addresses_phones_and_emails_in_her_forms_are_blanked(
    encombrants, place, camille, lucas, django_capture_on_commit_callbacks
):
    hers = _encombrants_case(encombrants, place, requester=camille)
    theirs = _encombrants_case(encombrants, place, requester=lucas)
    before = Case.objects.get(pk=theirs.pk).data

    _erase(camille, django_capture_on_commit_callbacks)

    hers.refresh_from_db()
    assert hers.data["adresse"] == {}
    assert "12 rue de la Paix" not in str(hers.data)
    assert hers.data["objets"] == [
        {"nature": "meuble", "quantite": 1}
    ]  # what is not about her stays
    assert hers.requester is None and hers.address == ""
    assert Case.objects.get(pk=theirs.pk).data == before


def test_the_email_field_of_a_contact_form_is_blanked(
    place, file_case, camille, django_capture_on_commit_callbacks
):
    case = file_case()
    assert case.data["email"] == place.citizen.email
    _erase(camille, django_capture_on_commit_callbacks)
    case.refresh_from_db()
    assert case.data["email"] == ""


def test_requests_filed_without_an_account_under_her_verified_address_are_erased(
    contact, place, contact_data, camille, django_capture_on_commit_callbacks
):
    EmailAddress.objects.create(user=camille, email="camille.pro@example.org", verified=False)

    def anonymous(email, name):
        return case_submit(
            actor=None,
            definition=contact,
            data={**contact_data, "email": email},
            channel=Channel.PHONE,
            contact={"name": name, "email": email, "phone": "0601020304"},
            commune=place.commune,
        ).case

    hers = anonymous("Claude.Usager@example.org", "Camille M.")
    kept_file = attachment_store(clean=check_upload(("a.pdf", PDF)), case=hers, field_key="p")
    unverified = anonymous("camille.pro@example.org", "C. Martin")
    someone_else = anonymous("anne@example.org", "Anne Onyme")

    _erase(camille, django_capture_on_commit_callbacks)

    hers.refresh_from_db()
    assert (hers.contact_name, hers.contact_email, hers.contact_phone) == ("", "", "")
    assert hers.data["email"] == ""
    assert not _on_disk(kept_file).exists()
    # an address she never proved is hers, and another person's request: untouched
    unverified.refresh_from_db()
    assert unverified.contact_email == "camille.pro@example.org"
    someone_else.refresh_from_db()
    assert (someone_else.contact_name, someone_else.contact_email) == (
        "Anne Onyme",
        "anne@example.org",
    )


def test_her_follows_of_reports_are_deleted(
    place, reports_open, camille, lucas, django_capture_on_commit_callbacks
):
    from guichet.publicspace import services
    from guichet.publicspace.models import Report, ReportSubscription
    from tests.publicspace.conftest import OULLINS, jpeg_bytes

    reporter = place.agent
    report = services.report_submit(
        actor=reporter,
        requester=reporter,
        category_code="nid-de-poule",
        latitude=OULLINS[0],
        longitude=OULLINS[1],
        description="Gros trou devant la boulangerie",
        answers={"emplacement": "chaussee"},
        photos=[("nid.jpg", jpeg_bytes())],
    ).case.report
    services.report_subscribe(report=report, user=camille)
    services.report_subscribe(report=report, email="Claude.Usager@example.org")
    services.report_subscribe(report=report, user=lucas)

    # her own report, named publicly, with a photo
    own = services.report_submit(
        actor=camille,
        requester=camille,
        category_code="nid-de-poule",
        latitude=OULLINS[0],
        longitude=OULLINS[1],
        description="Un autre trou dans la rue",
        answers={"emplacement": "chaussee"},
        photos=[("nid.jpg", jpeg_bytes())],
        show_name=True,
    ).case.report
    photo = own.photos.get()
    photo_file, thumbnail = (
        _on_disk(photo.attachment),
        Path(settings.MEDIA_ROOT) / (photo.thumbnail.name),
    )
    assert photo_file.exists() and thumbnail.exists()

    _erase(camille, django_capture_on_commit_callbacks)

    assert list(ReportSubscription.objects.filter(report=report).values_list("user", "email")) == [
        (lucas.pk, "")
    ]
    own = Report.objects.get(pk=own.pk)
    assert (own.show_name, own.public_name) == (False, "")
    assert not photo_file.exists() and not thumbnail.exists()
    assert report.photos.count() == 1  # the agent's report keeps its photo
