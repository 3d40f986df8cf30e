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
    if not page.evaluate("navigator.serviceWorker.controller !== null"):
        # The worker activated (and claimed its clients) while this document was still being
        # loaded, by a redirect after the sign-in: that document stays uncontrolled, as the
        # specification says; the next one is controlled.
        page.reload()
    page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=30_000)
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
    context.set_offline(False)  # back online, the offline page reloads the address by itself
    offline = page.get_by_role("heading", level=1, name="Vous êtes hors ligne")
    offline.wait_for(state="detached", timeout=30_000)
    page.wait_for_load_state()
    assert page.url == f"{live_server.url}/infos/"
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
    page.get_by_role("button", name="Envoyer ma demande").click()  # impatient: pressed again
    page.wait_for_timeout(300)
    assert page.evaluate("async () => (await window.guichetOffline.pending()).length") == 1
    assert Case.objects.filter(requester=camille).count() == before

    context.set_offline(False)  # the "online" event sends it, then shows the receipt
    page.wait_for_url("**/demarches/recu/**", timeout=30_000)
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


def test_a_report_with_a_photo_drafted_offline_is_filed_once(live_server, demo, context, tmp_path):
    from guichet.publicspace.models import Report
    from tests.publicspace.conftest import jpeg_bytes

    photo = tmp_path / "nid.jpg"
    photo.write_bytes(jpeg_bytes())
    page = context.new_page()
    page.goto(f"{live_server.url}/signalements/signaler/nid-de-poule/")
    _worker_ready(page)
    context.set_offline(True)
    page.get_by_label("Latitude").fill("45.7140")
    page.get_by_label("Longitude").fill("4.8070")
    page.get_by_label("Photos (facultatif)").set_input_files(str(photo))
    page.get_by_label("Description (facultatif)").fill("Trou rempli d'eau, hors ligne")
    page.locator("input[name=q_emplacement]").first.check()
    page.get_by_label("Votre e-mail (pour suivre le signalement)").fill("horsligne@example.org")
    page.get_by_role("button", name="Envoyer le signalement").click()
    page.get_by_role("status").filter(has_text="gardé sur cet appareil").wait_for()
    stored = page.evaluate(
        "async () => (await window.guichetOffline.pending())[0].fields"
        ".filter(f => f[1] instanceof File).map(f => [f[0], f[1].name, f[1].size])"
    )
    assert stored == [["photos", "nid.jpg", photo.stat().st_size]]  # the file itself is kept
    assert not Report.objects.filter(case__contact_email="horsligne@example.org").exists()

    # Elsewhere, still offline: the worker's offline page lists what waits on this device.
    page.goto(f"{live_server.url}/infos/")
    pending = page.locator("#pwa-pending li")
    pending.first.wait_for()
    assert "Nid-de-poule" in pending.first.inner_text()
    assert page.locator("#pwa-pending-none").is_hidden()

    context.set_offline(False)  # sent from this page: the status links to the result
    sent = page.get_by_role("status").get_by_role("link", name="voir le résultat")
    sent.wait_for(timeout=30_000)
    report = Report.objects.get(case__contact_email="horsligne@example.org")
    assert sent.get_attribute("href").endswith(f"/signalements/{report.reference}/")
    assert report.photos.count() == 1


def test_the_reused_key_page_has_no_axe_violations(live_server, demo, page, axe):
    url = f"{live_server.url}/signalements/signaler/lampadaire-eteint/"

    def report(description: str, key: str | None = None) -> str:
        page.goto(url)
        if key:  # a client that reuses its key for another request
            page.locator("input[name=idempotency_key]").evaluate("(el, k) => el.value = k", key)
        page.get_by_label("Latitude").fill("45.7140")
        page.get_by_label("Longitude").fill("4.8070")
        page.get_by_label("Description (facultatif)").fill(description)
        page.get_by_label("Votre e-mail (pour suivre le signalement)").fill("cle@example.org")
        key = page.locator("input[name=idempotency_key]").input_value()
        page.get_by_role("button", name="Envoyer le signalement").click()
        page.wait_for_load_state()
        return key

    key = report("Lampadaire éteint depuis hier")
    report("Un autre lampadaire", key)
    assert page.get_by_role("heading", level=1).inner_text() == "Envoi refusé"
    assert "déjà servi pour une autre demande" in page.get_by_role("alert").inner_text()
    assert axe(page) == []


def test_a_draft_is_only_sent_by_its_own_account_and_not_kept_forever(live_server, db, page):
    page.goto(f"{live_server.url}/")
    page.wait_for_function("window.guichetOffline !== undefined")
    sent = []
    page.on("request", lambda r: sent.append(r.url) if r.method == "POST" else None)
    left = page.evaluate(
        """async (base) => {
            const old = new Date(Date.now() - 8 * 24 * 3600 * 1000).toISOString();
            const entry = (key, owner, savedAt) => ({key, owner, savedAt, action: base + "/x/",
                page: base + "/x/", title: key, fields: [["a", "b"]]});
            await window.guichetOffline.keep(entry("someone-else", "0123abcd", new Date().toISOString()));
            await window.guichetOffline.keep(entry("too-old", "", old));
            await window.guichetOffline.flush();
            return (await window.guichetOffline.pending()).map(e => e.key);
        }""",
        live_server.url,
    )
    assert left == ["someone-else"]  # kept for its owner; the week-old one is dropped
    assert sent == []
