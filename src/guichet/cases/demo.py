"""Demo cases: a few hundred requests across services, communes, channels and statuses, filed
and moved through the same services as the real doors. Idempotent (skipped once present)."""

import random
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from guichet.accounts.models import User
from guichet.cases.handling import case_transition
from guichet.cases.models import Case, Channel
from guichet.cases.notify import muted
from guichet.cases.submission import case_submit
from guichet.cases.workflow import WorkflowError
from guichet.catalogue.models import ServiceDefinition
from guichet.core.policies import PolicyDenied
from guichet.territory.demo import REFERENCE_POINTS
from guichet.territory.models import Organisation

SUBJECTS = [
    ("etat_civil", "Copie d'acte de naissance", "Je souhaite recevoir une copie de mon acte."),
    ("elections", "Inscription sur les listes", "Comment m'inscrire sur les listes électorales ?"),
    ("scolaire", "Inscription à la cantine", "Mon enfant entre en CP, comment l'inscrire ?"),
    ("autre", "Horaires de la mairie", "Quels sont les horaires d'ouverture le samedi ?"),
]
CHANNELS = [Channel.WEB] * 5 + [
    Channel.PHONE,
    Channel.COUNTER,
    Channel.EMAIL,
    Channel.LETTER,
    Channel.APP,
    Channel.API,
]


def _agent_for(case: Case) -> User:
    return User.objects.filter(memberships__team=case.team).order_by("id").first()


def seed(log) -> list[str]:
    with muted():  # a backfilled history: no e-mail to the demo people
        return _seed(log)


def _seed(log) -> list[str]:
    wanted = getattr(settings, "DEMO_CASES", 300)
    if Case.objects.count() >= wanted:
        log(f"demandes : {Case.objects.count()} (déjà présentes)")
        return []
    rng = random.Random(2026)
    contact = ServiceDefinition.objects.get(key="contact")
    encombrants = ServiceDefinition.objects.get(key="proprete.encombrants")
    communes = list(Organisation.objects.filter(kind="commune").order_by("insee_code"))
    citizens = list(
        User.objects.filter(email__in=["camille.martin@example.org", "lucas.bernard@example.org"])
    )
    now = timezone.now()
    for i in range(wanted - Case.objects.count()):
        commune = rng.choice(communes)
        channel = rng.choice(CHANNELS)
        citizen = rng.choice(citizens) if rng.random() < 0.6 else None
        contact_details = (
            None
            if citizen
            else {
                "name": f"Usager {i}",
                "email": f"usager{i}@example.org",
                "phone": "04 72 00 00 00",
            }
        )
        if rng.random() < 0.7:
            theme, objet, message = rng.choice(SUBJECTS)
            submission = case_submit(
                actor=citizen,
                definition=contact,
                channel=channel,
                requester=citizen,
                contact=contact_details,
                commune=commune,
                data={
                    "theme": theme,
                    "objet": objet,
                    "message": message,
                    "email": citizen.email if citizen else contact_details["email"],
                },
            )
        else:
            lat, lon = REFERENCE_POINTS[commune.insee_code]
            submission = case_submit(
                actor=citizen,
                definition=encombrants,
                channel=channel,
                requester=citizen,
                contact=contact_details,
                data={
                    "objets": [{"nature": "meuble", "quantite": rng.randint(1, 4)}],
                    "adresse": {
                        "street": f"{i} rue de la République",
                        "postcode": "69000",
                        "city": commune.name,
                    },
                    "position": {"lat": lat, "lon": lon},
                },
            )
        case = submission.case
        agent = _agent_for(case)
        path = rng.choice(
            [
                [],
                ["take"],
                ["take", "answer"],
                ["take", "ask"],
                ["schedule"],
                ["schedule", "collected"],
            ]
        )
        for step in path:
            try:
                case = case_transition(
                    actor=agent,
                    case=case,
                    transition=step,
                    channel=Channel.WEB,
                    comment="Traité (démonstration).",
                )
            except (WorkflowError, PolicyDenied):  # a team without an agent: left as filed
                break
        Case.objects.filter(pk=case.pk).update(
            created_at=now - timedelta(days=rng.randint(0, 120), minutes=rng.randint(0, 600))
        )
    log(f"demandes : {Case.objects.count()}")
    return ["", "Demandes de démonstration : /backoffice/ (agents), /demarches/ (usagers)"]
