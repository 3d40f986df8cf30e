"""Upload checks (core.uploads): limits before decoding, type by content matching the name and
the declared type, PDFs parsed and refused when active, encrypted or too long; through the
function and through the real doors (citizen message form, report photos, API)."""

import base64
import time

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from guichet.core.uploads import check_upload
from tests.factories import jpeg_bytes, pdf_bytes, png_bytes

#: 10,000 x 9,000 = 90 megapixels declared over a few bytes of invalid pixel data: decoding
#: it would fail with "illisible", so a refusal naming the pixel limit shows no decode ran
PNG_BOMB = png_bytes(10_000, 9_000, pixel_data=b"not zlib at all")
#: the JavaScript action's names written with #xx escapes (offsets then wrong: pypdf repairs)
PDF_JS_ESCAPED = (
    pdf_bytes(javascript=True).replace(b"/JS ", b"/J#53 ").replace(b"/JavaScript", b"/J#61vaScript")
)


@pytest.mark.parametrize(
    "name,content,accept,message",
    [
        ("bombe.png", PNG_BOMB, ("image",), "mégapixels au plus"),
        ("photo.pdf", jpeg_bytes(), ("pdf", "image"), "ne correspond pas à son type"),
        ("scan.png", pdf_bytes(), ("pdf", "image"), "ne correspond pas à son type"),
        ("page.pdf", b"<!DOCTYPE html><script>alert(1)</script>", ("pdf",), "type accepté"),
        ("image.png", b'<svg xmlns="http://www.w3.org/2000/svg"/>', ("image",), "type accepté"),
        ("note.txt", b"<html><script>alert(1)</script></html>", ("text",), "type accepté"),
        ("script.pdf", pdf_bytes(javascript=True), ("pdf",), "contenu actif (JS"),
        ("masque.pdf", PDF_JS_ESCAPED, ("pdf",), "contenu actif"),
        ("lance.pdf", pdf_bytes(launch=True), ("pdf",), "contenu actif (Launch"),
        ("secret.pdf", pdf_bytes(password="x"), ("pdf",), "chiffré"),
        ("long.pdf", pdf_bytes(pages=101), ("pdf",), "101 pages : 100 au plus"),
        ("casse.pdf", b"%PDF-1.7\n1 0 obj << /Type /Catalog", ("pdf",), "illisible"),
    ],
)
def test_a_bad_file_is_refused_with_its_name_and_the_reason(name, content, accept, message):
    started = time.monotonic()
    with pytest.raises(ValidationError) as refused:
        check_upload((name, content), accept=accept)
    text = refused.value.messages[0]
    assert name in text and message in text
    assert time.monotonic() - started < 5  # no decode: milliseconds, on a busy machine too


def test_the_pixel_limit_is_read_from_the_header_before_decoding(settings):
    settings.UPLOAD_MAX_IMAGE_PIXELS = 1_000
    with pytest.raises(ValidationError, match="41 × 30 pixels"):
        check_upload(("a.png", png_bytes(41, 30, pixel_data=b"garbage")), accept=("image",))
    assert check_upload(("a.png", png_bytes(30, 30)), accept=("image",)).size > 0


def test_the_declared_type_must_match_the_content():
    upload = SimpleUploadedFile("scan.pdf", pdf_bytes(), content_type="text/html")
    with pytest.raises(ValidationError, match="ne correspond pas"):
        check_upload(upload)
    assert check_upload(SimpleUploadedFile("scan.pdf", pdf_bytes(), "application/pdf")).size


@pytest.mark.parametrize(
    "name,content,content_type",
    [
        ("scan.pdf", pdf_bytes(pages=3), "application/pdf"),
        ("photo.JPG", jpeg_bytes(), "image/jpeg"),
        ("plan.png", png_bytes(), "image/png"),
        ("sans-extension", pdf_bytes(), "application/pdf"),
    ],
)
def test_valid_files_are_accepted(name, content, content_type):
    clean = check_upload((name, content))
    assert clean.name == name and clean.content_type == content_type


def test_a_citizen_message_with_a_crafted_image_is_refused_and_nothing_is_kept(
    client, file_case, place
):
    case = file_case()
    client.force_login(place.citizen)
    response = client.post(
        reverse("cases:message", args=[case.reference]),
        {"body": "Ma photo", "files": SimpleUploadedFile("bombe.png", PNG_BOMB, "image/png")},
        follow=True,
    )
    page = response.content.decode()
    assert "bombe.png" in page and "mégapixels" in page
    assert case.messages.count() == 0 and case.attachments.count() == 0


def test_a_report_photo_bomb_is_refused_and_the_form_comes_back_filled(client, place, reports_open):
    from guichet.accounts.models import User
    from guichet.publicspace.models import Report
    from tests.publicspace.conftest import OULLINS

    client.force_login(User.objects.get(email=place.citizen.email))
    before = Report.objects.count()
    response = client.post(
        "/signalements/signaler/nid-de-poule/",
        {
            "lat": str(OULLINS[0]),
            "lon": str(OULLINS[1]),
            "description": "Trou profond",
            "q_emplacement": "chaussee",
            "address": "Grande Rue",
            "photos": SimpleUploadedFile("bombe.png", PNG_BOMB, "image/png"),
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "mégapixels" in page and "Trou profond" in page and 'value="Grande Rue"' in page
    assert Report.objects.count() == before


@pytest.mark.parametrize(
    "name,content,message",
    [
        ("page.pdf", b"<html><body>hello</body></html>", "type accepté"),
        ("script.pdf", pdf_bytes(javascript=True), "contenu actif"),
        ("secret.pdf", pdf_bytes(password="x"), "chiffré"),
    ],
)
def test_the_api_refuses_a_bad_file_and_files_nothing(
    client, place, contact_data, name, content, message
):
    from guichet.cases.models import Case

    client.force_login(place.citizen)
    before = Case.objects.count()
    encoded = base64.b64encode(content).decode()
    response = client.post(
        "/api/v1/cases/mine",
        {
            "service": "contact",
            "commune": place.commune.slug,
            "data": contact_data,
            "files": {"piece": [{"name": name, "content_base64": encoded}]},
        },
        content_type="application/json",
    )
    assert response.status_code == 422, response.content
    assert message in response.json()["errors"]["piece"]
    assert Case.objects.count() == before
