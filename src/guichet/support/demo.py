"""Demo assistance: the metropolis's support team and its agent, the assistance service (its
tickets) routed to that team, help articles, canned answers. Idempotent."""

from guichet.accounts.models import User
from guichet.catalogue.models import ServiceDefinition
from guichet.catalogue.services import service_export, service_import
from guichet.core.policies import SYSTEM
from guichet.support import services, tickets
from guichet.support.models import CannedAnswer, HelpArticle, Theme
from guichet.territory.demo import _member, _team
from guichet.territory.models import CompetenceRule, Membership
from guichet.territory.selectors import commune_by_slug, metropolis

SUPPORT_AGENT = "agent.assistance@example.org"

# (slug, organisation slug or None for the metropolis, theme, services, title, summary, body)
ARTICLES = [
    ("connexion-impossible", None, Theme.ACCOUNT, [],
     "Je n'arrive pas à me connecter",
     "Problèmes de connexion : mot de passe oublié, compte bloqué, e-mail non vérifié.",
     "Si vous n'arrivez pas à vous connecter :\n\n"
     "1. Vérifiez l'adresse e-mail saisie : c'est votre identifiant.\n"
     "2. Mot de passe oublié ? Choisissez « Mot de passe oublié » sur la page de connexion.\n"
     "3. Après plusieurs essais manqués, la connexion est bloquée quelques minutes. Attendez, "
     "ou contactez l'assistance qui peut la débloquer.\n"
     "4. Vous n'avez pas reçu l'e-mail de vérification ? Regardez dans vos indésirables ; "
     "l'assistance peut vous le renvoyer.\n\n"
     "Toujours bloqué(e) ? Écrivez-nous depuis la page « Nous contacter »."),
    ("double-authentification-perdue", None, Theme.ACCOUNT, [],
     "J'ai perdu mon téléphone (double authentification)",
     "Utilisez un code de récupération, ou demandez une réinitialisation.",
     "Si vous avez activé la double authentification et perdu votre téléphone, utilisez un des "
     "codes de récupération donnés à l'activation. Sans code, l'assistance peut réinitialiser "
     "la double authentification après avoir vérifié votre identité (pièce d'identité à "
     "l'accueil, ou questions sur vos demandes)."),
    ("suivre-ma-demande", None, Theme.CASES, ["contact"],
     "Suivre ma demande",
     "Où voir l'état de vos démarches, avec ou sans compte.",
     "Avec un compte, vos demandes sont dans « Mon espace ». Sans compte, utilisez la "
     "référence et le code de suivi reçus par e-mail sur la page « Suivre une demande »."),
    ("signaler-nid-de-poule", None, Theme.PUBLICSPACE, ["publicspace"],
     "Signaler un nid-de-poule ou une chaussée abîmée",
     "La voirie est une compétence de la Métropole.",
     "Choisissez « Voirie » puis « Nid-de-poule », placez le point sur la carte ou indiquez "
     "l'adresse, ajoutez une photo si vous pouvez. Le signalement est transmis à l'équipe "
     "voirie de la Métropole."),
    ("mes-donnees", None, Theme.DATA, [],
     "Mes données personnelles",
     "Consulter, télécharger ou supprimer vos données.",
     "Depuis « Mon compte », téléchargez toutes vos données ou supprimez votre compte. Le "
     "registre des traitements dit quelles données sont gardées, pourquoi et combien de temps."),
    ("oullins-etat-civil", "oullins", Theme.CASES, ["contact"],
     "Oullins : demander un acte d'état civil",
     "Naissance, mariage, décès : la mairie d'Oullins vous répond.",
     "Utilisez « Contacter ma mairie », thème « État civil », en précisant l'acte et les noms. "
     "La mairie d'Oullins répond en général sous 5 jours ouvrés."),
]  # fmt: skip

CANNED = [
    (
        "Connexion débloquée",
        "Bonjour,\n\nVotre connexion est débloquée : vous pouvez vous "
        "connecter de nouveau. Si vous avez oublié votre mot de passe, choisissez « Mot de passe "
        "oublié » sur la page de connexion.\n\nL'assistance de la Métropole",
    ),
    (
        "E-mail de vérification renvoyé",
        "Bonjour,\n\nNous vous avons renvoyé l'e-mail de "
        "vérification. Pensez à regarder dans vos courriels indésirables.\n\nL'assistance",
    ),
    (
        "Transmis au service",
        "Bonjour,\n\nVotre demande a été transmise au service concerné, "
        "qui vous répondra directement.\n\nL'assistance",
    ),
]


def _seed_definition(metro) -> None:
    admin = User.objects.get(email="admin@example.org")
    document = tickets.definition_document()
    definition = ServiceDefinition.objects.filter(key=document["key"]).first()
    current = definition.current_version if definition else None
    if current is None or service_export(version=current) != document:
        service_import(actor=admin, organisation=metro, document=document, publish=True)


def seed(log) -> list[str]:
    metro = metropolis()
    team = _team(metro, "assistance", "Assistance aux usagers")
    CompetenceRule.objects.update_or_create(
        subject=tickets.SERVICE_KEY,
        commune=None,
        defaults={"organisation": metro, "team": team},
    )
    _member(SUPPORT_AGENT, "Sam", "Assistance", team, Membership.Role.SUPPORT)
    _seed_definition(metro)
    for slug, org_slug, theme, service_keys, title, summary, body in ARTICLES:
        if HelpArticle.objects.filter(slug=slug).exists():
            continue
        organisation = commune_by_slug(org_slug) if org_slug else metro
        article = services.article_create(
            actor=SYSTEM,
            organisation=organisation,
            theme=theme,
            title=title,
            summary=summary,
            body=body,
            services=list(ServiceDefinition.objects.filter(key__in=service_keys)),
            slug=slug,
        )
        services.article_publish(actor=SYSTEM, version=article.versions.get(number=1))
    for title, body in CANNED:
        CannedAnswer.objects.update_or_create(
            organisation=metro, title=title, defaults={"body": body}
        )
    log(f"assistance : {HelpArticle.objects.count()} articles d'aide, équipe et service")
    return [f"  {SUPPORT_AGENT:<40} agent d'assistance de la Métropole (/backoffice/assistance/)"]
