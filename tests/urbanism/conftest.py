import pytest

from tests.factories import pdf_bytes


@pytest.fixture
def oullins(demo):
    return demo["oullins"]


@pytest.fixture
def instructor(demo):
    from guichet.accounts.models import User

    return User.objects.get(email="urbanisme.oullins@example.org")


def pdf(name="piece.pdf", pages=1):
    return (name, pdf_bytes(pages=pages))


def dp_data(**extra):
    data = {
        "applicant_kind": "person",
        "applicant_name": "Camille Martin",
        "land_address": "12 rue de la République, Oullins",
        "parcels": "AB 123, ac 45",
        "works_nature": "Pose d'une clôture et d'un abri de jardin",
        "floor_area_created": "12,5",
    }
    data.update(extra)
    return data


def pcmi_data(**extra):
    data = dp_data(works_nature="Construction d'une maison individuelle", floor_area_created="110")
    data.update(extra)
    return data


def pieces(*codes):
    return {code.lower(): [pdf(f"{code}.pdf")] for code in codes}


PCMI_PIECES = [f"PCMI{i}" for i in range(1, 9)]


@pytest.fixture
def file_pcmi(oullins, camille):
    from guichet.urbanism.filing import application_file

    def file(**extra):
        return application_file(
            actor=camille,
            procedure="PCMI",
            commune=oullins,
            data=pcmi_data(**extra),
            files=pieces(*PCMI_PIECES),
        )

    return file
