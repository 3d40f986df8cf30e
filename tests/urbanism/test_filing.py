"""Filing a planning application: number (A423-1 to A423-3), AEE, récépissé, bad input."""

from datetime import date

import pytest
from django.utils import timezone

from guichet.cases.errors import CaseInputError
from guichet.cases.models import Case, CaseAttachment, CaseEvent
from guichet.urbanism.filing import application_file, registration_number
from guichet.urbanism.models import PlanningApplication, RegistrationCounter
from tests.urbanism.conftest import PCMI_PIECES, dp_data, pcmi_data, pdf, pieces

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("prefix", "insee", "year", "sequence", "number"),
    [
        ("PC", "69149", 2026, 12, "PC 069 149 26 00012"),
        ("DP", "69123", 2027, 1, "DP 069 123 27 00001"),
        ("CU", "2A004", 2030, 345, "CU 02A 004 30 00345"),
    ],
)
def test_the_registration_number_shape(prefix, insee, year, sequence, number):
    assert registration_number(prefix, insee, year, sequence) == number


def test_a_pcmi_filed_in_oullins(file_pcmi, camille, mailoutbox):
    application = file_pcmi()
    yy = timezone.localdate().year % 100
    assert application.number == f"PC 069 149 {yy:02d} 00001"
    assert application.procedure == "PCMI"
    assert application.case.team.slug == "urbanisme"
    assert application.parcels == [
        {"prefix": "000", "section": "AB", "number": "0123"},
        {"prefix": "000", "section": "AC", "number": "0045"},
    ]
    assert str(application.floor_area_created) == "110.00"
    # PCMI: 2 months from filing (R423-23 b); the tacit decision the next day
    filed = application.filed_on
    assert application.articles == "R423-23 b"
    assert application.ends_on > filed
    assert (application.decision_due_on - application.ends_on).days == 1
    assert application.tacit_outcome == "tacit_approval"
    # each piece kept under its code
    codes = set(
        CaseAttachment.objects.filter(case=application.case).values_list("field_key", flat=True)
    )
    assert codes == {c.lower() for c in PCMI_PIECES}
    # the AEE went out at once
    subjects = list(
        CaseEvent.objects.filter(case=application.case, kind="notified").values_list(
            "summary", flat=True
        )
    )
    assert any(
        "Accusé d'enregistrement électronique" in s and application.number in s for s in subjects
    )
    second = file_pcmi()
    assert second.number.endswith("00002")


def test_the_documents_are_pdfs_stating_the_tacit_date(file_pcmi):
    import io

    from pypdf import PdfReader

    from guichet.urbanism.documents import aee_pdf, recepisse_pdf

    application = file_pcmi()
    text = "".join(
        p.extract_text() for p in PdfReader(io.BytesIO(recepisse_pdf(application))).pages
    )
    text = " ".join(text.split())
    assert application.number in text
    from django.utils.formats import date_format

    assert date_format(application.ends_on, "j F Y") in text
    assert "R423-5" in text
    assert "incomplet" in text
    aee = "".join(p.extract_text() for p in PdfReader(io.BytesIO(aee_pdf(application))).pages)
    assert "enregistrement" in aee and application.number in aee


def test_a_company_needs_a_valid_siret(oullins, camille):
    data = pcmi_data(
        applicant_kind="company", company_name="SCI Les Tilleuls", siret="732 829 320 00074"
    )
    application = application_file(
        actor=camille, procedure="PCMI", commune=oullins, data=data, files=pieces(*PCMI_PIECES)
    )
    assert application.siret == "73282932000074"
    assert application.applicant_name == "SCI Les Tilleuls"


def _refused(oullins, camille, *, procedure="DP", data=None, files=None):
    before = (
        Case.objects.count(),
        PlanningApplication.objects.count(),
        CaseAttachment.objects.count(),
    )
    counters = list(RegistrationCounter.objects.values_list("last", flat=True))
    with pytest.raises(CaseInputError) as caught:
        application_file(
            actor=camille,
            procedure=procedure,
            commune=oullins,
            data=data if data is not None else dp_data(),
            files=files if files is not None else pieces("DP1", "DP2"),
        )
    after = (
        Case.objects.count(),
        PlanningApplication.objects.count(),
        CaseAttachment.objects.count(),
    )
    assert after == before  # nothing half-filed
    assert list(RegistrationCounter.objects.values_list("last", flat=True)) == counters
    return caught.value.errors


@pytest.mark.parametrize(
    ("kwargs", "field", "words"),
    [
        ({"procedure": "PX"}, "procedure", "Procédure d'urbanisme inconnue"),
        (
            {"files": {"dp1": [("DP1.pdf", b"plain text, not a PDF")], "dp2": [pdf()]}},
            "dp1",
            "type accepté",
        ),
        (
            {"files": {"dp1": [("plan.png", b"\x89PNG\r\n\x1a\n" + b"0" * 50)], "dp2": [pdf()]}},
            "dp1",
            "",
        ),
        ({"files": pieces("DP1")}, "dp2", "Joignez"),
        ({"data": dp_data(parcels="123 AB")}, "parcels", "référence cadastrale"),
        ({"data": dp_data(parcels="ABC 12")}, "parcels", "référence cadastrale"),
        ({"data": dp_data(parcels="AB 12345")}, "parcels", "référence cadastrale"),
        (
            {"data": dp_data(floor_area_created="douze")},
            "floor_area_created",
            "doit être un nombre",
        ),
        ({"data": dp_data(heritage_spr=True)}, "dp11", "Joignez"),
        (
            {"data": dp_data(applicant_kind="company", company_name="SCI", siret="73282932000075")},
            "siret",
            "clé de contrôle",
        ),
    ],
)
def test_bad_input_is_refused_in_french_and_nothing_is_filed(
    oullins, camille, kwargs, field, words
):
    errors = _refused(oullins, camille, **kwargs)
    assert field in errors
    assert words in errors[field]


def test_a_refused_filing_leaves_no_gap_in_the_numbers(oullins, camille):
    first = application_file(
        actor=camille, procedure="DP", commune=oullins, data=dp_data(), files=pieces("DP1", "DP2")
    )
    _refused(oullins, camille, files=pieces("DP1"))
    second = application_file(
        actor=camille, procedure="DP", commune=oullins, data=dp_data(), files=pieces("DP1", "DP2")
    )
    assert second.sequence == first.sequence + 1
    assert second.number.startswith("DP 069 149")


def test_a_commune_without_planning_team_does_not_take_files(demo, camille):
    errors = _refused(demo["bron"], camille)
    assert "commune" in errors


def test_a_daact_follows_a_granted_permit(file_pcmi, oullins, camille):
    permit = file_pcmi()
    daact = application_file(
        actor=camille,
        procedure="DAACT",
        commune=oullins,
        data={
            "applicant_kind": "person",
            "applicant_name": "Camille Martin",
            "permit_number": permit.number.lower(),
            "works_completed_on": date.today().isoformat(),
        },
    )
    assert daact.permit_number == permit.number and daact.number == ""
    assert daact.articles == "R462-6"
    errors = _refused(
        oullins,
        camille,
        procedure="DAACT",
        data={
            "applicant_kind": "person",
            "applicant_name": "Camille Martin",
            "permit_number": "PC 069 149 26 99999",
            "works_completed_on": date.today().isoformat(),
        },
        files={},
    )
    assert "permit_number" in errors


def test_a_works_opening_declaration_is_recorded_and_closed(file_pcmi, oullins, camille):
    permit = file_pcmi()
    doc = application_file(
        actor=camille,
        procedure="DOC",
        commune=oullins,
        data={
            "applicant_kind": "person",
            "applicant_name": "Camille Martin",
            "permit_number": permit.number,
            "works_started_on": date.today().isoformat(),
        },
    )
    assert doc.permit_number == permit.number
    assert not doc.is_open and doc.decision_due_on is None
    assert doc.case.status == "declared"
