"""The notification centre, preferences, alerts and local information pages pass axe-core."""

import pytest

from tests.browser.conftest import login


@pytest.mark.parametrize("language", ["fr", "en"])
def test_local_information_pages_have_no_axe_violations(live_server, demo, browser, axe, language):
    from guichet.localinfo.models import Event, NewsItem, Place

    oullins = demo["oullins"]
    news = NewsItem.objects.filter(organisation=oullins).first()
    event = Event.objects.filter(organisation=oullins).first()
    place = Place.objects.filter(organisation=oullins).first()
    context = browser.new_context(locale=language)
    page = context.new_page()
    page.set_extra_http_headers({"Accept-Language": language})
    for path in [
        "/infos/",
        "/infos/?commune=oullins",
        "/infos/?commune=atlantis",
        "/infos/oullins/",
        f"/infos/oullins/actualites/{news.pk}/",
        f"/infos/oullins/agenda/{event.pk}/",
        f"/infos/oullins/lieux/{place.public_id}/",
    ]:
        page.goto(f"{live_server.url}{path}")
        assert axe(page) == [], path
    context.close()


def test_citizen_notification_pages_have_no_axe_violations(
    live_server, demo, page, axe, demo_password
):
    from guichet.accounts.models import User
    from guichet.notifications.services import notification_create

    camille = User.objects.get(email="camille.martin@example.org")
    notification_create(
        recipient=camille,
        topic="cases.update",
        template="generic",
        context={"title": "Votre demande a été traitée", "body": "Merci de votre signalement."},
    )
    login(page, live_server, "camille.martin@example.org", demo_password)
    for path in ["/notifications/", "/notifications/preferences/", "/notifications/abonnements/"]:
        page.goto(f"{live_server.url}{path}")
        assert axe(page) == [], path
    # With errors shown next to the fields.
    page.goto(f"{live_server.url}/notifications/abonnements/")
    page.get_by_label("Autour d'un point").check()
    page.get_by_role("button", name="M'abonner").click()
    assert page.locator(".error").count() >= 1
    assert axe(page) == []


def test_agent_broadcast_pages_have_no_axe_violations(
    live_server, demo, page, axe, demo_password, with_mfa
):
    from guichet.accounts.models import User

    # Agents hold their powers only after passing a second factor at sign-in.
    with_mfa(User.objects.get(email="agent.oullins@example.org"))
    login(page, live_server, "agent.oullins@example.org", demo_password)
    page.goto(f"{live_server.url}/notifications/alertes/nouvelle/")
    assert axe(page) == []
    page.get_by_role("button", name="Diffuser").click()
    assert page.locator(".error").count() >= 1
    assert axe(page) == []
    page.goto(f"{live_server.url}/notifications/alertes/")
    assert axe(page) == []
