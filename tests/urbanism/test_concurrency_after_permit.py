"""Concurrent modifications of one permit never share a suffix (M01, M02...): the permit row
is locked while each one is numbered."""

import pytest
from django.db import connections

from guichet.urbanism import filing, instruction
from tests.urbanism.conftest import PCMI_PIECES, pcmi_data, pieces


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_modifications_never_share_a_suffix(demo, camille):
    from concurrent.futures import ThreadPoolExecutor

    from guichet.accounts.models import User

    oullins = demo["oullins"]
    instructor = User.objects.get(email="urbanisme.oullins@example.org")
    permit = filing.application_file(
        actor=camille,
        procedure="PCMI",
        commune=oullins,
        data=pcmi_data(),
        files=pieces(*PCMI_PIECES),
    )
    permit = instruction.decision_take(
        actor=instructor, application=permit, decision="approval", signatory="Le maire"
    )

    def modify(index):
        try:
            return filing.application_file(
                actor=camille,
                procedure="PM",
                commune=oullins,
                data={
                    "applicant_kind": "person",
                    "applicant_name": "Camille Martin",
                    "permit_number": permit.number,
                    "works_nature": f"Modification {index}",
                    "floor_area_created": "0",
                },
                files=pieces("PM1"),
            ).number
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=6) as pool:
        numbers = list(pool.map(modify, range(12)))
    assert sorted(numbers) == [f"{permit.number} M{i:02d}" for i in range(1, 13)]
