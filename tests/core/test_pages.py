def test_home_page_is_french_by_default_and_accessible_in_shape(client, place):
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="fr">' in html
    assert 'href="#contenu"' in html and 'id="contenu"' in html
    assert "<main" in html and "<header" in html and "<footer" in html and "<nav" in html
    assert place.commune.name in html and place.other_commune.name in html  # each commune's page


def test_home_page_in_english(client, place):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "Skip to content" in html


def test_language_switch_sets_english(client, place):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"}, follow=True)
    assert "Skip to content" in response.content.decode()


def test_unknown_page_is_a_404_page(client, db):
    response = client.get("/nope/")
    assert response.status_code == 404


def test_seed_demo_is_idempotent(demo):
    from django.core.management import call_command

    from guichet.accounts.models import User
    from guichet.partnership.models import Agreement
    from guichet.territory.models import CompetenceRule, Membership, Organisation

    def counts():
        return [
            m.objects.count() for m in (User, Organisation, Membership, CompetenceRule, Agreement)
        ]

    before = counts()
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert counts() == before


def test_demo_accounts_log_in_with_the_documented_password(client, demo, demo_password):
    for email in [
        "admin@example.org",
        "camille.martin@example.org",
        "agent.oullins@example.org",
        "agent.bron@example.org",
        "agent.voirie@example.org",
    ]:
        assert client.login(username=email, password=demo_password), email
