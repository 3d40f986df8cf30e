"""Demo categories of problems in public space (the tree citizens choose from). Idempotent.

Subjects match the demo competence rules (territory/demo.py): roads, cleanliness and dumping go
to metropolis teams; lighting, green spaces, street furniture and graffiti to the commune.
"""

from django.conf import settings

from guichet.accounts.models import User
from guichet.cases.models import PartnerApiKey
from guichet.cases.partner_keys import api_key_hash
from guichet.catalogue.models import ServiceDefinition
from guichet.catalogue.services import service_availability_set, service_export, service_import
from guichet.publicspace.models import Category, Report
from guichet.publicspace.questions import validate_question_definitions
from guichet.publicspace.services import definition_document
from guichet.territory.selectors import communes, metropolis

DEMO_OPEN311_KEY = "demo-open311-key"

WHERE = {
    "code": "emplacement",
    "datatype": "singlevaluelist",
    "required": True,
    "description": "Où se trouve le problème ?",
    "values": [
        {"key": "chaussee", "name": "Sur la chaussée"},
        {"key": "trottoir", "name": "Sur le trottoir"},
        {"key": "piste-cyclable", "name": "Sur une piste cyclable"},
    ],
}

# (code, subject, name, description, keywords, questions, guidance, guidance_only, children)
TREE = [
    ("danger", "publicspace.danger", "Danger immédiat", "Un danger pour les personnes.",
     "danger, urgence, gaz, câble", [],
     "Danger immédiat (fuite de gaz, câble électrique à terre, effondrement, personne en "
     "danger) : appelez le 112. Ce service n'est pas surveillé en permanence.", True, []),
    ("voirie", "publicspace.roads", "Voirie", "Chaussées, trottoirs, signalisation.", "route, rue",
     [], "", False, [
        ("nid-de-poule", "publicspace.roads.pothole", "Nid-de-poule",
         "Trou dans la chaussée ou le trottoir.", "trou, chaussée, nid de poule", [
             WHERE,
             {"code": "taille", "datatype": "singlevaluelist", "required": False,
              "description": "Taille approximative",
              "values": [{"key": "petit", "name": "Moins de 30 cm"},
                         {"key": "moyen", "name": "30 cm à 1 m"},
                         {"key": "grand", "name": "Plus de 1 m"}]},
         ], "", False),
        ("trottoir-degrade", "publicspace.roads.pavement", "Trottoir dégradé",
         "Dalles cassées, bordure descellée.", "trottoir, dalle", [], "", False),
        ("signalisation", "publicspace.roads.signs", "Signalisation abîmée",
         "Panneau tombé, marquage effacé.", "panneau, feu, marquage", [], "", False),
     ]),
    ("eclairage", "publicspace.lighting", "Éclairage public", "Lampadaires et éclairage.",
     "lumière, lampadaire", [], "", False, [
        ("lampadaire-eteint", "publicspace.lighting.streetlight", "Lampadaire éteint",
         "Un ou plusieurs lampadaires ne s'allument plus.", "lampadaire, éteint, ampoule", [
             {"code": "numero-mat", "datatype": "string", "required": False,
              "description": "Numéro inscrit sur le mât (si visible)"},
             {"code": "nombre", "datatype": "number", "required": False,
              "description": "Nombre de lampadaires concernés"},
         ], "", False),
        ("eclairage-jour", "publicspace.lighting.daytime", "Éclairage allumé en journée",
         "L'éclairage reste allumé de jour.", "allumé, jour", [], "", False),
     ]),
    ("proprete", "publicspace.cleanliness", "Propreté", "Déchets, corbeilles, salissures.",
     "propreté, déchets", [], "", False, [
        ("corbeille-pleine", "publicspace.cleanliness.bin", "Corbeille qui déborde",
         "Corbeille de rue pleine ou renversée.", "poubelle, corbeille", [], "", False),
        ("rue-sale", "publicspace.cleanliness.street", "Rue ou trottoir sale",
         "Salissures, verre cassé, feuilles.", "sale, verre", [], "", False),
     ]),
    ("depots-sauvages", "publicspace.dumping", "Dépôts sauvages", "Encombrants abandonnés.",
     "encombrants, dépôt, abandon", [], "", False, [
        ("depot-sauvage", "publicspace.dumping.bulky", "Dépôt sauvage",
         "Objets ou déchets abandonnés sur la voie publique.", "encombrant, matelas, gravats", [
             {"code": "volume", "datatype": "singlevaluelist", "required": True,
              "description": "Volume estimé",
              "values": [{"key": "sac", "name": "Quelques sacs"},
                         {"key": "coffre", "name": "Un coffre de voiture"},
                         {"key": "camion", "name": "Plus d'un coffre"}]},
         ], "", False),
     ]),
    ("espaces-verts", "publicspace.green", "Espaces verts", "Arbres, pelouses, jardins.",
     "arbre, parc, jardin", [], "", False, [
        ("branche-tombee", "publicspace.green.branch", "Branche tombée ou menaçante",
         "Branche cassée, arbre penché.", "arbre, branche", [], "", False),
        ("espace-vert-entretien", "publicspace.green.maintenance", "Espace vert mal entretenu",
         "Pelouse, massif ou aire de jeux à entretenir.", "pelouse, tonte", [], "", False),
     ]),
    ("mobilier", "publicspace.furniture", "Mobilier urbain", "Bancs, barrières, potelets.",
     "banc, barrière", [], "", False, [
        ("mobilier-casse", "publicspace.furniture.broken", "Mobilier cassé",
         "Banc, barrière, potelet ou jeu endommagé.", "banc, potelet, jeu", [], "", False),
     ]),
    ("graffitis", "publicspace.graffiti", "Graffitis et affichage", "Tags et affiches sauvages.",
     "tag, graffiti, affiche", [], "", False, [
        ("graffiti", "publicspace.graffiti.tag", "Graffiti", "Tag ou graffiti sur un mur.",
         "tag, graffiti", [
             {"code": "injurieux", "datatype": "singlevaluelist", "required": True,
              "description": "Le graffiti est-il injurieux ?",
              "values": [{"key": "oui", "name": "Oui"}, {"key": "non", "name": "Non"}]},
         ], "", False),
        ("affichage-sauvage", "publicspace.graffiti.posters", "Affichage sauvage",
         "Affiches collées hors des panneaux prévus.", "affiche, collage", [], "", False),
     ]),
]  # fmt: skip


def _upsert(code, subject, name, description, keywords, questions, guidance, only, parent, order):
    category, _ = Category.objects.update_or_create(
        code=code,
        defaults={
            "subject": subject,
            "name": name,
            "description": description,
            "keywords": keywords,
            "questions": validate_question_definitions(questions),
            "guidance": guidance,
            "guidance_only": only,
            "parent": parent,
            "order": order,
        },
    )
    return category


def seed(log) -> list[str]:
    for order, (code, subject, name, desc, kw, qs, guidance, only, children) in enumerate(TREE):
        parent = _upsert(code, subject, name, desc, kw, qs, guidance, only, None, order)
        for child_order, child in enumerate(children):
            _upsert(*child, parent, child_order)
    log(f"espace public : {Category.objects.count()} catégories de signalement")
    definition = _seed_definition()
    _seed_partner_key()
    wanted = getattr(settings, "DEMO_REPORTS", 2000)
    have = Report.objects.count()
    if have < wanted:
        from guichet.publicspace.bench import seed_reports

        seed_reports(wanted - have, definition=definition)
    log(f"espace public : {Report.objects.count()} signalements")
    return [f"Open311 : clé d'API de démonstration « {DEMO_OPEN311_KEY} » (/open311/v2/)"]


def _seed_definition() -> ServiceDefinition:
    """The ``publicspace`` service (reports are its cases), offered in every commune."""
    admin = User.objects.get(email="admin@example.org")
    document = definition_document()
    definition = ServiceDefinition.objects.filter(key=document["key"]).first()
    current = definition.current_version if definition else None
    if current is None or service_export(version=current) != document:
        version = service_import(
            actor=admin, organisation=metropolis(), document=document, publish=True
        )
        definition = version.definition
    definition.refresh_from_db()
    service_availability_set(actor=admin, definition=definition, communes=list(communes()))
    return definition


def _seed_partner_key() -> None:
    """A partner application holding the Open311 key ``demo-open311-key`` (a key without a dot
    is read as its first 12 characters for the prefix, the rest for the secret)."""
    prefix, secret = DEMO_OPEN311_KEY[:12], DEMO_OPEN311_KEY[12:]
    PartnerApiKey.objects.update_or_create(
        prefix=prefix,
        defaults={
            "organisation": metropolis(),
            "name": "Application partenaire de démonstration (Open311)",
            "key_hash": api_key_hash(secret),
            "is_active": True,
        },
    )
