"""Public space: the tree of categories, the report service (its definition file imported and
published by the real services) and reports filed through ``report_submit``."""

from guichet.cases.models import Channel
from guichet.cases.partner_keys import partner_api_key_create
from guichet.catalogue.models import ServiceDefinition
from guichet.publicspace.models import Category, Report
from guichet.publicspace.services import definition_document, report_submit
from tests.factories.accounts import PlatformAdminFactory
from tests.factories.cases import published_service
from tests.factories.territory import Territory


def categories() -> dict[str, Category]:
    """The categories of the application's tree (the one the demo offers), by code."""
    from guichet.publicspace.demo import TREE, _upsert

    made = {}
    for order, (code, subject, name, desc, kw, qs, guidance, only, children) in enumerate(TREE):
        parent = _upsert(code, subject, name, desc, kw, qs, guidance, only, None, order)
        made[code] = parent
        for child_order, child in enumerate(children):
            made[child[0]] = _upsert(*child, parent, child_order)
    return made


def report_service(place: Territory) -> ServiceDefinition:
    """The report service (reports are its cases) of the metropolis, offered in both communes
    of ``place``, with its categories."""
    categories()
    definition = published_service(
        organisation=place.metropolis,
        communes=[place.commune, place.other_commune],
        document=definition_document(),
        actor=PlatformAdminFactory(),
    )
    place.services["publicspace"] = definition
    return definition


def open311_key(organisation, name: str = "Application partenaire (Open311)") -> str:
    """A partner key of ``organisation`` for Open311 and the partner API: its secret."""
    return partner_api_key_create(actor=None, organisation=organisation, name=name)[1]


def filed_report(
    *,
    point: tuple[float, float],
    category_code: str = "lampadaire-eteint",
    requester=None,
    description: str = "Lampadaire éteint devant le numéro 3",
    **kwargs,
) -> Report:
    """A report filed through ``report_submit`` at ``point`` (lat, lon) by ``requester`` (or
    a person without an account)."""
    if requester is None and "contact" not in kwargs:
        kwargs["contact"] = {"name": "Riverain", "email": "riverain@example.org"}
    submission = report_submit(
        actor=requester,
        category_code=category_code,
        latitude=point[0],
        longitude=point[1],
        description=description,
        requester=requester,
        channel=kwargs.pop("channel", Channel.WEB),
        **kwargs,
    )
    return Report.objects.get(case=submission.case)
