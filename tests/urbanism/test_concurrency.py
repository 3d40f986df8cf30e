"""Concurrent filings in one commune never share a registration number, and leave no gap."""

import pytest
from django.db import connections

from guichet.urbanism.filing import application_file
from tests.urbanism.conftest import dp_data, pieces


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_filings_in_one_commune_never_share_a_number(demo, camille):
    from concurrent.futures import ThreadPoolExecutor

    oullins = demo["oullins"]

    def file_in_a_thread(index):
        try:
            procedure = "DP" if index % 2 else "PCMI"
            files = (
                pieces("DP1", "DP2")
                if procedure == "DP"
                else pieces(*[f"PCMI{i}" for i in range(1, 9)])
            )
            return application_file(
                actor=camille, procedure=procedure, commune=oullins, data=dp_data(), files=files
            ).number
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=8) as pool:
        numbers = list(pool.map(file_in_a_thread, range(24)))
    assert len(set(numbers)) == 24
    sequences = sorted(int(n[-5:]) for n in numbers)
    assert sequences == list(range(1, 25))  # one sequence per commune and year, no gap
