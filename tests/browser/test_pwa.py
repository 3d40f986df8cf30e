"""The installable app in Chromium: the worker registers and controls the site, the manifest
parses, the offline page is served by the worker when the network is gone and passes axe-core,
and a form submitted offline is sent once when the network is back."""

import pytest

from tests.browser.conftest import login

pytestmark = pytest.mark.browser


@pytest.fixture
def context(browser):
    context = browser.new_context(locale="fr-FR", service_workers="allow")
    yield context
    context.close()


def _worker_ready(page) -> str:
    """Wait until the service worker is active and controls the page; its scope."""
    scope = page.evaluate("async () => (await navigator.serviceWorker.ready).scope")
    page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=10_000)
    return scope


def test_the_offline_page_has_no_axe_violations(live_server, db, page, axe):
    page.goto(f"{live_server.url}/hors-ligne/")
    assert page.get_by_role("heading", level=1).inner_text() == "Vous êtes hors ligne"
    assert axe(page) == []


def test_the_app_is_installable_and_works_offline(live_server, db, context, axe):
    page = context.new_page()
    page.goto(f"{live_server.url}/")
    page.reload()  # the second load is controlled (clients.claim makes it so at once anyway)
    assert _worker_ready(page) == f"{live_server.url}/"
    manifest = page.evaluate(
        """async () => {
            const link = document.querySelector('link[rel="manifest"]');
            const response = await fetch(link.href);
            return {type: response.headers.get("content-type"), body: await response.json()};
        }"""
    )
    assert manifest["type"] == "application/manifest+json"
    body = manifest["body"]
    assert body["display"] == "standalone" and body["start_url"] == "/mon-espace/"
    assert {i["sizes"] for i in body["icons"]} >= {"192x192", "512x512"}
    assert any(i.get("purpose") == "maskable" for i in body["icons"])
    cached = page.evaluate(
        "async () => (await Promise.all((await caches.keys()).map(async n => "
        "(await (await caches.open(n)).keys()).map(r => new URL(r.url).pathname)))).flat()"
    )
    assert "/hors-ligne/" in cached and "/static/guichet/css/site.css" in cached

    context.set_offline(True)
    page.goto(f"{live_server.url}/infos/")
    assert page.get_by_role("heading", level=1).inner_text() == "Vous êtes hors ligne"
    assert page.evaluate("getComputedStyle(document.body).margin") == "0px"  # site.css, cached
    assert axe(page) == []
    context.set_offline(False)
    page.goto(f"{live_server.url}/infos/")
    assert page.get_by_role("heading", level=1).inner_text() != "Vous êtes hors ligne"


def test_a_form_submitted_offline_is_sent_once_back_online(
    live_server, demo, context, demo_password
):
    from guichet.accounts.models import User
    from guichet.cases.models import Case

    camille = User.objects.get(email="camille.martin@example.org")
    page = context.new_page()
    login(page, live_server, camille.email, demo_password)
    _worker_ready(page)
    page.goto(f"{live_server.url}/demarches/contact/")
    page.get_by_role("button", name="Commencer").click()
    page.get_by_label("État civil").check()
    page.get_by_label("Objet").fill("Acte de naissance")
    page.get_by_label("Message").fill("Une copie intégrale, s'il vous plaît.")
    page.get_by_role("button", name="Continuer").click()
    page.get_by_role("button", name="Continuer").click()
    page.wait_for_url("**/recapitulatif/")
    review_url = page.url
    before = Case.objects.filter(requester=camille).count()

    context.set_offline(True)
    page.get_by_role("button", name="Envoyer ma demande").click()
    status = page.get_by_role("status").filter(has_text="gardé sur cet appareil")
    status.wait_for()
    assert page.url == review_url
    assert page.evaluate("async () => (await window.guichetOffline.pending()).length") == 1
    assert Case.objects.filter(requester=camille).count() == before

    context.set_offline(False)  # the "online" event sends it, then shows the receipt
    page.wait_for_url("**/demarches/recu/**", timeout=15_000)
    case = Case.objects.filter(requester=camille).latest("id")
    assert Case.objects.filter(requester=camille).count() == before + 1
    assert case.reference in page.url and case.data["objet"] == "Acte de naissance"
    assert page.evaluate("async () => (await window.guichetOffline.pending()).length") == 0

    # The same stored request sent again (a lost answer, a second tab): the same receipt.
    from guichet.core.models import IdempotencyKey

    row = IdempotencyKey.objects.get(result_reference=case.reference)
    retry = page.evaluate(
        """async ([url, key]) => {
            const body = new FormData();
            body.append("csrfmiddlewaretoken", document.cookie.match(/csrftoken=([^;]+)/)[1]);
            body.append("idempotency_key", key);
            const response = await fetch(url, {method: "POST", body, credentials: "same-origin"});
            return response.url;
        }""",
        [review_url, row.key],
    )
    assert retry.endswith(f"/demarches/recu/{case.reference}/")
    assert Case.objects.filter(requester=camille).count() == before + 1
