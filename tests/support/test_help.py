import pytest
from django.urls import reverse

from guichet.support import search, selectors, services
from guichet.support.models import HelpArticle, HelpSearchTerm

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "query",
    [
        "je n'arrive pas à me connecter",
        "connecte",
        "connexion",
        "CONNECTÉ",
        "probleme de connexion",
    ],
)
def test_search_finds_the_sign_in_article_by_stem_and_without_accents(demo, query):
    found = [a.slug for a in selectors.articles_search(query)]
    assert found and found[0] == "connexion-impossible"


def test_search_finds_nothing_for_unrelated_words(demo):
    assert selectors.articles_search("zzzqqq xylophone") == []


def test_fold_and_stems():
    assert search.fold("Œuvre Éléphant") == "oeuvre elephant"
    assert search.stems("connecté connecter") == ["connect", "connect"]
    assert search.words("je n'arrive pas à me connecter") == ["arrive", "connecter"]


def test_search_page_records_terms_without_result_shown_to_editors(demo, client):
    response = client.get(reverse("support:search"), {"q": "connexion"})
    assert response.status_code == 200
    assert "Je n&#x27;arrive pas à me connecter" in response.content.decode()
    client.get(reverse("support:search"), {"q": "Piscine municipale"})
    client.get(reverse("support:search"), {"q": "piscine  MUNICIPALE"})
    term = HelpSearchTerm.objects.get(term="piscine municipale")
    assert (term.searches, term.without_result) == (2, 2)
    assert HelpSearchTerm.objects.get(term="connexion").without_result == 0
    assert [t.term for t in selectors.search_terms_without_result()] == ["piscine municipale"]


def test_editor_writes_previews_then_publishes_a_new_version(demo, client):
    from guichet.accounts.models import User
    from tests.conftest import login_with_second_factor

    agent = User.objects.get(email="agent.assistance@example.org")
    login_with_second_factor(client, agent)
    article = HelpArticle.objects.get(slug="connexion-impossible")
    response = client.post(
        reverse("support_bo:article_edit", args=[article.slug]),
        {"title": "Connexion : les bibliothèques", "theme": "account", "body": "Texte nouveau"},
    )
    assert response.status_code == 302
    assert response["Location"].endswith("/versions/2/")
    # not published yet: readers still see version 1, search does not find the new words
    article.refresh_from_db()
    assert article.title == "Je n'arrive pas à me connecter"
    assert selectors.articles_search("bibliotheque") == []
    preview = client.get(response["Location"])
    assert "Connexion : les bibliothèques" in preview.content.decode()
    client.post(reverse("support_bo:article_publish", args=[article.slug, 2]))
    article.refresh_from_db()
    assert article.title == "Connexion : les bibliothèques"
    assert article.published_version.number == 2
    assert [a.slug for a in selectors.articles_search("bibliothèque")] == [article.slug]
    assert article.versions.count() == 2


def test_an_agent_of_another_organisation_cannot_edit_nor_preview(demo, client):
    from guichet.accounts.models import User
    from tests.conftest import login_with_second_factor

    login_with_second_factor(client, User.objects.get(email="agent.voirie@example.org"))
    article = HelpArticle.objects.get(slug="connexion-impossible")
    assert (
        client.get(reverse("support_bo:article_version", args=[article.slug, 1])).status_code == 404
    )
    response = client.post(reverse("support_bo:article_publish", args=[article.slug, 1]))
    assert response.status_code == 404
    assert client.get(reverse("support_bo:articles")).status_code == 404


def test_feedback_counts_and_keeps_the_comment(demo, client):
    article = HelpArticle.objects.get(slug="connexion-impossible")
    url = reverse("support:feedback", args=[article.slug])
    assert client.post(url, {"helpful": "0", "comment": "Pas clair"}).status_code == 302
    assert client.post(url, {"helpful": "maybe"}).status_code == 422
    article.refresh_from_db()
    assert (article.helpful_yes, article.helpful_no) == (0, 1)
    assert article.feedback.get().comment == "Pas clair"


def test_service_page_links_its_help_articles(demo, client):
    response = client.get(reverse("cases:start", args=["contact"]))
    body = response.content.decode()
    assert reverse("support:article", args=["suivre-ma-demande"]) in body


def test_unpublished_articles_are_not_found(demo, client):
    article = HelpArticle.objects.get(slug="mes-donnees")
    from guichet.core.policies import SYSTEM

    services.article_unpublish(actor=SYSTEM, article=article)
    assert client.get(reverse("support:article", args=[article.slug])).status_code == 404
    assert selectors.articles_search("données personnelles") == [] or all(
        a.slug != article.slug for a in selectors.articles_search("données personnelles")
    )
