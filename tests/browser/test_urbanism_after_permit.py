"""After a granted permit, in the browser: the holder's permit page (modification, transfer)
and the new holder's acceptance page pass axe; the transfer goes from one to the other."""

import pytest

from tests.browser.conftest import login

pytestmark = pytest.mark.browser


def test_a_transfer_from_the_permit_page_to_the_new_holder(
    live_server, demo, page, demo_password, axe
):
    from guichet.accounts.models import User
    from guichet.urbanism import filing, instruction
    from guichet.urbanism.models import TransferConsent
    from tests.urbanism.conftest import PCMI_PIECES, pcmi_data, pieces

    camille = User.objects.get(email="camille.martin@example.org")
    instructor = User.objects.get(email="urbanisme.oullins@example.org")
    permit = filing.application_file(
        actor=camille,
        procedure="PCMI",
        commune=demo["oullins"],
        data=pcmi_data(),
        files=pieces(*PCMI_PIECES),
    )
    instruction.decision_take(
        actor=instructor, application=permit, decision="approval", signatory="Le maire"
    )
    new_holder = User.objects.get(email="lucas.bernard@example.org")

    login(page, live_server, camille.email, demo_password)
    page.goto(f"{live_server.url}/demarches/demandes/{permit.case.reference}/")
    main = page.get_by_role("main")
    assert "Demander un permis modificatif" in main.inner_text()
    assert axe(page) == []
    page.get_by_label("Transférer le permis").fill(new_holder.email)
    page.get_by_role("button", name="Donner mon accord au transfert").click()
    page.wait_for_load_state()
    consent = TransferConsent.objects.get(permit=permit)
    assert axe(page) == []

    page.context.clear_cookies()
    login(page, live_server, new_holder.email, demo_password)
    page.goto(f"{live_server.url}/urbanisme/transferts/{consent.token}/")
    assert axe(page) == []
    page.get_by_role("button", name="Accepter et compléter la demande de transfert").click()
    page.wait_for_url("**/brouillons/**")
    assert permit.number in page.content()
    assert axe(page) == []
