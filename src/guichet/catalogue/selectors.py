"""Reads of the catalogue and of service definitions."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from guichet.catalogue.models import FunctionMapping, ServiceDefinition, ServiceVersion
from guichet.core.generations import cached_read
from guichet.territory.models import Organisation, Team

RESTRICTED = Organisation.Offer.RESTRICTED


def _published() -> QuerySet[ServiceDefinition]:
    return ServiceDefinition.objects.filter(
        is_active=True, current_version__isnull=False
    ).select_related("organisation", "current_version")


def catalogue_for_portal(*, commune: Organisation | None = None) -> QuerySet[ServiceDefinition]:
    """Services shown on the citizen portal: published, available in a commune on the global
    offer (in ``commune`` when given), and not published by a restricted-offer commune."""
    qs = _published().exclude(organisation__kind="commune", organisation__offer=RESTRICTED)
    if commune is not None:
        if commune.offer == RESTRICTED:
            return qs.none()
        qs = qs.filter(communes=commune)
    else:
        qs = qs.filter(communes__offer=Organisation.Offer.GLOBAL)
    return qs.distinct().order_by("name")


def catalogue_for_channel(*, portal: bool) -> QuerySet[ServiceDefinition]:
    """Services that may be filed: the portal catalogue, or every published service for the
    back-office and the API (the restricted offer keeps them there)."""
    return catalogue_for_portal() if portal else _published().order_by("name")


def filable_for_channel(*, portal: bool) -> QuerySet[ServiceDefinition]:
    """The rows of ``catalogue_for_channel``, for reading one of them: no join to the communes
    (an EXISTS instead, so no DISTINCT), no ordering, no related rows."""
    qs = ServiceDefinition.objects.filter(is_active=True, current_version__isnull=False)
    if not portal:
        return qs
    offered_globally = ServiceDefinition.communes.through.objects.filter(
        servicedefinition_id=OuterRef("pk"), organisation__offer=Organisation.Offer.GLOBAL
    )
    return qs.exclude(organisation__kind="commune", organisation__offer=RESTRICTED).filter(
        Exists(offered_globally)
    )


#: the generation of the cached catalogue reads, replaced by any change of a definition, a
#: version, the communes a service is offered in, or an organisation (its offer)
CATALOGUE = "catalogue"


def definition_for_filing(
    *, key: str, portal: bool, commune: Organisation | None = None
) -> tuple[ServiceDefinition, bool | None] | None:
    """The service ``key`` if it is in the channel's catalogue (``filable_for_channel``) and
    whether it is offered in ``commune`` (None without one; on the portal, never in a commune
    of the restricted offer); None for a key the channel does not offer. From the cache
    (core.generations), since every submission through the API asks."""

    def read():
        qs = filable_for_channel(portal=portal).filter(key=key)
        if commune is not None:
            qs = qs.annotate(offered=offered_in_commune(commune, portal=portal))
        definition = qs.first()
        if definition is None:
            return None
        # ``offered`` is the annotation above (there only when a commune was given)
        return definition, (getattr(definition, "offered", None) if commune is not None else None)

    return cached_read(CATALOGUE, ("filing", key, int(portal), commune.pk if commune else 0), read)


def offered_in_commune(commune: Organisation, *, portal: bool) -> Exists:
    """Whether the outer definition is offered in ``commune`` (on the portal: not in a
    commune of the restricted offer)."""
    offers = ServiceDefinition.communes.through.objects.filter(
        servicedefinition_id=OuterRef("pk"), organisation_id=commune.pk
    )
    if portal:
        offers = offers.exclude(organisation__offer=RESTRICTED)
    return Exists(offers)


def service_get_published(*, key: str, portal: bool) -> ServiceDefinition:
    definition = catalogue_for_channel(portal=portal).filter(key=key).first()
    if definition is None:
        raise Http404("service")
    return definition


def service_communes(*, definition: ServiceDefinition, portal: bool) -> QuerySet[Organisation]:
    qs = definition.communes.filter(is_active=True)
    if portal:
        qs = qs.exclude(offer=RESTRICTED)
    return qs.order_by("name")


# Published versions are immutable (a change makes a new version): each process keeps the ones it
# has read. Drafts are always read from the database.
_PUBLISHED_VERSIONS: dict[int, ServiceVersion] = {}
_PUBLISHED_VERSIONS_MAX = 512


def restricted_definition_ids() -> QuerySet | None:
    """The ids of the services whose cases only their own app's doors show (the manifests'
    ``restricted``), as a subquery read with the query that uses it (a service created a
    second ago is in it); None when no app restricts its services."""
    from guichet.catalogue.registry import restricted_prefixes

    matching = Q()
    for prefix in restricted_prefixes():
        matching |= Q(key__startswith=prefix.rstrip("."))
    if not matching:
        return None
    return ServiceDefinition.objects.filter(matching).values("pk")


def version_cached(pk: int) -> ServiceVersion:
    """The version ``pk``, from this process's cache when it is published."""
    version = _PUBLISHED_VERSIONS.get(pk)
    if version is None:
        version = ServiceVersion.objects.get(pk=pk)
        if version.is_published:
            if len(_PUBLISHED_VERSIONS) >= _PUBLISHED_VERSIONS_MAX:
                _PUBLISHED_VERSIONS.clear()
            _PUBLISHED_VERSIONS[pk] = version
    return version


def version_cache_clear() -> None:
    """Forget the cached versions (tests: a rolled-back database reuses primary keys)."""
    _PUBLISHED_VERSIONS.clear()


def function_team(
    *, definition: ServiceDefinition, organisation_id: int, function: str
) -> Team | None:
    mapping = (
        FunctionMapping.objects.filter(
            definition=definition, organisation_id=organisation_id, function=function
        )
        .select_related("team")
        .first()
    )
    return mapping.team if mapping else None


def definitions_for_designer(*, actor) -> QuerySet[ServiceDefinition]:
    """The definitions of the organisations ``actor`` designs for (``PolicyDenied`` for
    anybody who designs for none)."""
    from guichet.catalogue.policies import design_policy

    design_policy.require_designer(actor)
    return design_policy.scope(actor, ServiceDefinition.objects.all()).select_related(
        "organisation", "current_version"
    )


def organisations_for_designer(*, actor) -> QuerySet:
    """The organisations ``actor`` designs services for, by name."""
    from guichet.catalogue.policies import design_policy

    design_policy.require_designer(actor)
    return design_policy.scope(actor, Organisation.objects.all(), field="pk").order_by("name")


def definition_get_for_designer(*, actor, pk: int) -> ServiceDefinition:
    definition = definitions_for_designer(actor=actor).filter(pk=pk).first()
    if definition is None:
        raise Http404("service")
    return definition


def version_get_for_designer(*, actor, pk: int) -> ServiceVersion:
    from guichet.catalogue.policies import design_policy

    version = (
        design_policy.scope(
            actor, ServiceVersion.objects.filter(pk=pk), field="definition__organisation_id"
        )
        .select_related("definition", "definition__organisation")
        .first()
    )
    if version is None:
        raise Http404("version")
    return version


def definitions_matching(text: str) -> QuerySet[ServiceDefinition]:
    return _published().filter(Q(name__icontains=text) | Q(description__icontains=text))
