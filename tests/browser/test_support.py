"""Assistance in the browser: axe (WCAG 2.1 AA) on the help centre, the contact form and the
support console, and each used with the keyboard only."""

import pytest

from tests.browser.conftest import login
from tests.browser.test_keyboard import by_text, focused, tab_to

pytestmark = pytest.mark.browser


def test_help_centre_and_contact_form_are_accessible(live_server, demo, page, axe):
    for path in (
        "/aide/",
        "/aide/recherche/?q=connexion",
        "/aide/articles/connexion-impossible/",
        "/aide/themes/account/",
        "/aide/contact/",
        "/aide/registre-des-traitements/",
        "/demarches/contact/",
    ):
        page.goto(f"{live_server.url}{path}")
        assert axe(page) == [], path
    page.goto(f"{live_server.url}/aide/contact/")
    page.get_by_role("button", name="Envoyer").click()  # errors shown: still accessible
    page.wait_for_load_state()
    assert axe(page) == []


def test_search_then_contact_with_the_keyboard_only(live_server, demo, page):
    from guichet.support.models import Ticket

    page.goto(f"{live_server.url}/aide/")
    tab_to(page, lambda e: e["id"] == "help-q")
    page.keyboard.type("je n'arrive pas à me connecter")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    tab_to(page, by_text("Je n'arrive pas à me connecter"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/aide/articles/connexion-impossible/" in page.url
    tab_to(page, by_text("Écrivez-nous"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/aide/contact/" in page.url
    tab_to(page, lambda e: e["name"] == "topic")
    tab_to(page, lambda e: e["name"] == "subject")
    page.keyboard.type("Connexion impossible")
    tab_to(page, lambda e: e["name"] == "message")
    page.keyboard.type("Je n'arrive pas à me connecter depuis hier.")
    tab_to(page, lambda e: e["name"] == "email")
    page.keyboard.type("nora@example.net")
    tab_to(page, by_text("Envoyer"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    ticket = Ticket.objects.select_related("case").get()
    assert ticket.case.contact_email == "nora@example.net"
    assert ticket.case.reference in page.get_by_role("main").inner_text()


def test_support_console_with_the_keyboard_only_and_axe(
    live_server, demo, page, axe, demo_password
):
    from guichet.accounts.models import User
    from guichet.core.models import AuditEntry
    from tests.conftest import give_second_factor

    agent = give_second_factor(User.objects.get(email="agent.assistance@example.org"))
    login(page, live_server, agent.email, demo_password)
    page.goto(f"{live_server.url}/backoffice/assistance/")
    assert axe(page) == []
    tab_to(page, lambda e: e["id"] == "console-q")
    page.keyboard.type("Martin")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert axe(page) == []
    tab_to(page, by_text("Camille Martin"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/personnes/" in page.url
    assert axe(page) == []
    tab_to(page, lambda e: e["id"] == "reason-unlock")
    page.keyboard.type("Appel du 5 décembre, identité vérifiée")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert focused(page)["tag"] in ("body", "main", "a", "input", "button")
    assert AuditEntry.objects.filter(action="support.unlock").exists()
    page.goto(f"{live_server.url}/backoffice/assistance/tickets/")
    assert axe(page) == []
