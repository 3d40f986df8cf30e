"""A citizen reports a pothole from a phone; the metropolis roads team fixes it; the public
map and list show it fixed without personal data. Every page passes axe."""

import pytest

from tests.browser.conftest import login
from tests.publicspace.conftest import jpeg_bytes


@pytest.fixture(autouse=True)
def _no_tiles(settings):
    settings.MAP_TILE_URL = ""  # no network in tests: the map works without tiles


def test_pothole_reported_from_a_phone_fixed_by_the_roads_team(
    live_server, demo, browser, phone_page, axe, demo_password, with_mfa
):
    from guichet.accounts.models import User
    from guichet.notifications.models import Notification
    from guichet.publicspace.models import Report

    page = phone_page
    login(page, live_server, "camille.martin@example.org", demo_password)
    page.goto(f"{live_server.url}/signalements/signaler/")
    assert axe(page) == []
    page.get_by_role("link", name="Nid-de-poule").click()
    page.wait_for_load_state()
    assert axe(page) == []
    # bad input first: outside the territory, the rest of the form is kept
    page.get_by_label("Latitude").fill("48.8566")
    page.get_by_label("Longitude").fill("2.3522")
    page.get_by_label("Description (facultatif)").fill("Trou profond devant l'école")
    page.get_by_label("Sur la chaussée").check()
    page.get_by_role("button", name="Envoyer le signalement").click()
    page.wait_for_load_state()
    assert "en dehors du territoire" in page.content()
    assert page.get_by_label("Description (facultatif)").input_value() == (
        "Trou profond devant l'école"
    )
    assert axe(page) == []
    page.get_by_label("Latitude").fill("45.7140")
    page.get_by_label("Longitude").fill("4.8070")
    page.get_by_label("Photos (facultatif)").set_input_files(
        files=[{"name": "nid.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes((800, 600))}]
    )
    page.get_by_role("button", name="Envoyer le signalement").click()
    page.wait_for_load_state()
    assert "est enregistré" in page.content()
    assert axe(page) == []
    report = Report.objects.get(case__requester__email="camille.martin@example.org")
    assert report.case.team.slug == "voirie" and report.case.organisation.kind == "metropolis"
    assert report.photos.count() == 1
    reference = report.case.reference

    agent_context = browser.new_context(locale="fr-FR")
    agent = agent_context.new_page()
    # Agents hold their powers only after passing a second factor at sign-in.
    with_mfa(User.objects.get(email="agent.voirie@example.org"))
    login(agent, live_server, "agent.voirie@example.org", demo_password)
    agent.goto(f"{live_server.url}/signalements/agents/")
    assert axe(agent) == []
    agent.goto(f"{live_server.url}/signalements/agents/{reference}/")
    assert axe(agent) == []
    agent.get_by_label("Nouvel état").select_option("fix")
    agent.get_by_label("Message public (envoyé à l'usager et aux abonnés)").fill(
        "Rebouché ce matin."
    )
    agent.get_by_role("button", name="Enregistrer l'état").click()
    agent.wait_for_load_state()
    assert "État mis à jour" in agent.content()
    agent.goto(f"{live_server.url}/signalements/agents/tableau-de-bord/")
    assert axe(agent) == []
    agent_context.close()

    report.refresh_from_db()
    assert report.state == "fixed"
    assert Notification.objects.filter(
        recipient__email="camille.martin@example.org", topic="publicspace.update"
    ).exists()

    public = browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844})
    visitor = public.new_page()
    visitor.goto(f"{live_server.url}/signalements/?etat=fixed&commune=oullins")
    assert axe(visitor) == []
    assert reference in visitor.content()
    visitor.goto(f"{live_server.url}/signalements/{reference}/")
    content = visitor.content()
    assert "Résolu" in content and "Rebouché ce matin." in content
    assert "Camille" not in content and "camille.martin" not in content
    assert axe(visitor) == []
    public.close()

    page.goto(f"{live_server.url}/signalements/alertes/")
    assert axe(page) == []


def test_questionnaire_page_passes_axe(live_server, demo, page, axe):
    from guichet.publicspace import services
    from guichet.publicspace.models import Report, State

    report = Report.objects.filter(case__status=State.FIXED).select_related("case").first()
    report.fixed_at = report.fixed_at or report.updated_at
    report.save()
    page.goto(
        f"{live_server.url}/signalements/questionnaire/{services.questionnaire_token(report)}/"
    )
    assert "vraiment résolu" in page.content()
    assert axe(page) == []
