"""Issue 6 "Done when": Camille (Oullins) signs in and lands on her space with her cases and
Oullins news first; this browser subscribes to web push; an agent moves her case; she sees the
in-app notification (badge, centre, "À faire") and the e-mail reaches a real SMTP server
(aiosmtpd) through the notifications outbox. The space passes axe-core."""

import html
import re

import pytest

from tests.browser.conftest import login
from tests.browser.contact_case import contact_case_of_camille
from tests.notifications.conftest import SmtpSink

CAMILLE = "camille.martin@example.org"


@pytest.fixture
def smtp(settings):
    sink = SmtpSink()
    sink.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = sink.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    yield sink
    sink.stop()


@pytest.fixture
def camille_case(demo):
    return contact_case_of_camille(
        demo,
        theme="etat_civil",
        objet="Copie d'acte de mariage",
        message="Bonjour, une copie intégrale de mon acte de mariage svp.",
    )


def _subscribe_to_push(page, live_server) -> str:
    """Subscribe this browser on the preferences page, as a citizen would. Headless Chromium
    has no push service to talk to offline, so when ``PushManager.subscribe`` fails the test
    posts a subscription of the same shape to the same endpoint, with the page's CSRF token, as
    ``push.js`` does. Returns which way it went."""
    page.goto(f"{live_server.url}/notifications/preferences/")
    enable = page.locator("#push-enable")
    page.wait_for_function("() => !document.getElementById('push-enable').hidden")
    enable.click()
    status = page.locator("#push-status")
    disabled_text = status.text_content()
    import time

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if page.evaluate("() => !document.getElementById('push-disable').hidden"):
            return "PushManager"
        if status.text_content() != disabled_text:  # the page says why it failed
            break
        page.wait_for_timeout(250)
    answer = page.evaluate(
        """async () => {
          const box = document.getElementById('push');
          const csrf = (document.cookie.match(/(?:^|; )csrftoken=([^;]+)/) || [])[1] || '';
          const r = await fetch(box.dataset.subscribeUrl, {
            method: 'POST', credentials: 'same-origin',
            headers: {'Content-Type': 'application/json', 'X-CSRFToken': decodeURIComponent(csrf)},
            body: JSON.stringify({
              endpoint: 'https://push.example.invalid/send/browser-test',
              keys: {p256dh: 'BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM',
                     auth: 'tBHItJI5svbpez7KI4CCXg'}})});
          return r.status;
        }"""
    )
    assert answer == 201
    return "endpoint"


def test_camille_sees_her_space_and_is_notified_in_app_by_email_and_push(
    live_server, demo, browser, demo_password, camille_case, smtp, axe
):
    from guichet.accounts.models import User
    from guichet.cases.handling import case_transition
    from guichet.localinfo.models import NewsItem
    from guichet.notifications import outbox
    from guichet.notifications.models import Notification, PushSubscription

    camille = User.objects.get(email=CAMILLE)
    context = browser.new_context(locale="fr-FR")
    context.grant_permissions(["notifications"], origin=live_server.url)
    page = context.new_page()

    # She signs in and lands on her space: her cases, Oullins news before the metropolis's.
    login(page, live_server, CAMILLE, demo_password)
    assert page.url == f"{live_server.url}/mon-espace/"
    assert page.get_by_role("heading", level=1).text_content() == "Mon espace"
    cases = page.locator("section[aria-labelledby=mes-demandes]")
    assert camille_case.reference in cases.text_content()
    local = page.locator("section[aria-labelledby=infos-locales]").text_content()
    assert "Infos locales : Oullins" in local
    oullins_news = NewsItem.objects.filter(organisation=demo["oullins"]).first().title
    metro_news = NewsItem.objects.filter(organisation=demo["metropole-de-lyon"]).first().title
    assert local.index(oullins_news) < local.index(metro_news)
    assert axe(page) == [], "/mon-espace/"

    # This browser subscribes to web push.
    way = _subscribe_to_push(page, live_server)
    assert PushSubscription.objects.filter(user=camille).count() == 1, way
    print(f"web push subscription recorded through {way}")

    # An agent of Oullins takes the case and asks her for information.
    unread_before = Notification.objects.filter(recipient=camille, read_at__isnull=True).count()
    agent = User.objects.get(email="agent.oullins@example.org")
    case = case_transition(actor=agent, case=camille_case, transition="take")
    case_transition(
        actor=agent, case=case, transition="ask", comment="Merci de préciser la date du mariage."
    )

    # In-app: the header badge, the "À faire" with the next step, the notification centre.
    page.goto(f"{live_server.url}/mon-espace/")
    badge = page.locator(".site-header .badge").text_content()
    assert re.sub(r"\D", "", badge) == str(unread_before + 1)
    todo = page.locator("section[aria-labelledby=a-faire]").text_content()
    assert camille_case.reference in todo and "Merci de préciser la date du mariage." in todo
    assert "Prochaine étape" in todo and "« Reprendre »" in todo
    assert axe(page) == [], "/mon-espace/ with something to do"
    page.goto(f"{live_server.url}/notifications/")
    centre = page.locator("main").text_content()
    assert f"[{camille_case.reference}] Informations demandées" in centre

    # E-mail: the outbox delivers it to the SMTP server (what a worker does).
    assert outbox.deliveries_process(worker_id="browser-test", channels=["email"]) >= 1
    subject = f"[{camille_case.reference}] Informations demandées"
    mails = [m for m in smtp.messages if m["To"] == CAMILLE and m["Subject"] == subject]
    assert len(mails) == 1  # (the other one is the receipt of the submission)
    body = mails[0].get_body(preferencelist=("plain",)).get_content()
    assert "Merci de préciser la date du mariage." in html.unescape(body)
    # and a push message waits for this browser's subscription
    notification = Notification.objects.filter(recipient=camille).latest("created_at")
    assert notification.deliveries.filter(channel="push").count() == 1
    context.close()


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_dashboard_has_no_axe_violations(
    live_server, demo, browser, axe, demo_password, camille_case, language
):
    from guichet.accounts.models import User
    from guichet.cases.drafts import draft_save
    from guichet.cases.handling import case_transition

    agent = User.objects.get(email="agent.oullins@example.org")
    camille = User.objects.get(email=CAMILLE)
    case = case_transition(actor=agent, case=camille_case, transition="take")
    case_transition(actor=agent, case=case, transition="ask", comment="Votre date de mariage ?")
    draft_save(actor=camille, version=case.version, data={}, page="")
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    login(page, live_server, CAMILLE, demo_password)
    page.set_extra_http_headers({"Accept-Language": language})
    page.goto(f"{live_server.url}/mon-espace/")
    assert axe(page) == [], language
    page.goto(f"{live_server.url}/mon-espace/?page=2")
    assert axe(page) == [], language
    context.close()
