"""Assistance searches, in-process: the help centre's full-text search over 5,000 published
articles and the support console's person search over 200,000 accounts (the selectors the
pages call, with their access record), p95 against the targets (50 ms and 100 ms).

    GUICHET_VAR_DIR=/tmp/bench-support .venv/bin/python bench/support_search.py        # SQLite
    DATABASE_URL=postgres://.../guichet_bench .venv/bin/python bench/support_search.py

It migrates the database, adds what is missing (articles ``bench-article-N``, accounts
``bench-person-N@example.net``; idempotent), then times each query ``--rounds`` times.
Results: ``bench/results/<date>-support-search-<N>k-articles-<M>k-accounts-<database>.json``
(with the load average before and after: the machine may be shared).
"""

import argparse
import json
import os
import random
import sys
from datetime import date
from pathlib import Path

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from bench.common import Machine, django_setup, percentiles, result_write, timed_calls  # noqa: E402

django_setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

WORDS = [
    "compte",
    "connexion",
    "mot",
    "passe",
    "courriel",
    "adresse",
    "démarche",
    "demande",
    "suivi",
    "dossier",
    "signalement",
    "voirie",
    "trottoir",
    "éclairage",
    "propreté",
    "encombrants",
    "déchets",
    "école",
    "cantine",
    "inscription",
    "état",
    "civil",
    "naissance",
    "mariage",
    "décès",
    "carte",
    "identité",
    "passeport",
    "stationnement",
    "vélo",
    "bus",
    "horaires",
    "piscine",
    "bibliothèque",
    "médiathèque",
    "crèche",
    "aide",
    "sociale",
    "logement",
    "énergie",
    "eau",
    "assainissement",
    "urbanisme",
    "permis",
    "construire",
    "déclaration",
    "travaux",
    "handicap",
    "transport",
    "rendez-vous",
    "paiement",
    "facture",
    "remboursement",
    "réclamation",
]

HELP_QUERIES = [
    "je n'arrive pas à me connecter",
    "connexion",
    "mot de passe oublié",
    "inscription cantine école",
    "permis de construire délai",
    "piscine horaires",
    "carte d'identité rendez-vous",
    "zzz introuvable",
]


def _text(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def seed_articles(count: int) -> None:
    from guichet.support import search
    from guichet.support.models import HelpArticle, HelpArticleVersion
    from guichet.territory.models import Organisation

    have = HelpArticle.objects.filter(slug__startswith="bench-article-").count()
    if have >= count:
        return
    organisation = Organisation.objects.filter(kind="metropolis").first()
    if organisation is None:
        organisation = Organisation.objects.create(
            slug="bench-metropole", name="Métropole (banc d'essai)", kind="metropolis"
        )
    rng = random.Random(7)
    for start in range(have, count, 500):
        with transaction.atomic():
            batch = []
            for i in range(start, min(start + 500, count)):
                title = f"{_text(rng, 5).capitalize()} ({i})"
                body = _text(rng, 180)
                batch.append(
                    HelpArticle(
                        organisation=organisation,
                        slug=f"bench-article-{i}",
                        theme="other",
                        title=title,
                        body=body,
                        is_published=True,
                        search_text=search.fold(f"{title}\n\n{body}"),
                    )
                )
            HelpArticle.objects.bulk_create(batch)
            for article in HelpArticle.objects.filter(slug__in=[a.slug for a in batch]):
                HelpArticleVersion.objects.create(
                    article=article, number=1, title=article.title, body=article.body
                )
                search.index_write(article.pk, f"{article.title}\n\n{article.body}")


def seed_people(count: int) -> None:
    from guichet.accounts.models import User

    have = User.objects.filter(email__startswith="bench-person-").count()
    rng = random.Random(11)
    first = ["Camille", "Lucas", "Nora", "Jules", "Inès", "Hugo", "Léa", "Adam", "Chloé", "Noé"]
    last = ["Martin", "Bernard", "Durand", "Petit", "Moreau", "Laurent", "Simon", "Michel"]
    for start in range(have, count, 5000):
        User.objects.bulk_create(
            [
                User(
                    email=f"bench-person-{i}@example.net",
                    first_name=rng.choice(first),
                    last_name=f"{rng.choice(last)}{i % 997}",
                    password="!",
                )
                for i in range(start, min(start + 5000, count))
            ]
        )


def phone_of(i: int) -> str:
    """The E.164 digits of bench person ``i``'s mobile number (06 00 00 00 00 + i)."""
    return f"336{i:08d}"


def seed_phones(count: int) -> None:
    """One mobile number per bench person, in the console's phone index (what
    ``accounts.services.profile_update`` writes)."""
    from guichet.accounts.models import PhoneNumber, User

    if PhoneNumber.objects.filter(user__email__startswith="bench-person-").count() >= count:
        return
    people = User.objects.filter(email__startswith="bench-person-").exclude(
        phone_index__isnull=False
    )
    for _batch in range(0, count, 5000):
        batch = []
        for pk, email in people.values_list("pk", "email")[:5000]:
            i = int(email.removeprefix("bench-person-").split("@")[0])
            batch.append(PhoneNumber(user_id=pk, digits=phone_of(i)))
        if not batch:
            break
        PhoneNumber.objects.bulk_create(batch)


def support_actor():
    from guichet.accounts.models import User
    from guichet.territory.models import Membership, Organisation, Team

    user, _ = User.objects.get_or_create(email="bench-support@example.net")
    organisation = Organisation.objects.filter(kind="metropolis").first()
    team, _ = Team.objects.get_or_create(
        organisation=organisation, slug="assistance", defaults={"name": "Assistance"}
    )
    Membership.objects.get_or_create(user=user, team=team, defaults={"role": "support"})
    return user


def timed(function, rounds: int) -> dict:
    samples = timed_calls(lambda _i: function(), range(rounds)).wall
    return {**percentiles(samples, keys=("p50", "p95", "max"), digits=2), "rounds": rounds}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--people", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--out", default="", help="result file (default: dated name)")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    seed_articles(args.articles)
    seed_people(args.people)
    seed_phones(args.people)
    if connection.vendor == "postgresql":
        # What autovacuum does on a live database (statistics, visibility map): this
        # machine's PostgreSQL runs without it.
        with connection.cursor() as cursor:
            for table in (
                "support_helparticle",
                "accounts_user",
                "accounts_phonenumber",
                "territory_membership",
            ):
                cursor.execute(f"VACUUM (ANALYZE) {table}")
    from guichet.support import console, selectors

    actor = support_actor()
    machine = Machine.now()
    results = {
        "database": connection.vendor,
        "date": date.today().isoformat(),
        "load_average_before": machine.load_before,
        "help": {},
    }
    for query in HELP_QUERIES:
        results["help"][query] = timed(lambda q=query: selectors.articles_search(q), args.rounds)
    people_queries = [
        "bench-person-1234@",
        "Martin12",
        "Camille Durand",
        "Moreau",
        "Camille",
        "06 00 01 23 45",  # bench person 12345's whole number
        "06 00 01 2",  # its beginning
    ]
    results["console"] = {
        q: timed(lambda q=q: console.people_search(actor=actor, query=q), args.rounds)
        for q in people_queries
    }
    results["load_average_after"] = machine.done().load_after
    results["help_p95_max_ms"] = max(r["p95_ms"] for r in results["help"].values())
    results["console_p95_max_ms"] = max(r["p95_ms"] for r in results["console"].values())
    results["targets_ms"] = {"help_p95": 50, "console_p95": 100}
    out = result_write(
        results,
        f"{date.today().isoformat()}-support-search-"
        f"{args.articles // 1000}k-articles-{args.people // 1000}k-accounts-{connection.vendor}",
        path=Path(args.out) if args.out else None,
    )
    print(json.dumps({k: v for k, v in results.items() if k.endswith("_ms")}, indent=1))
    print(f"written {out}")


if __name__ == "__main__":
    main()
