"""Reads of the territory: point -> commune, competence rules, an agent's organisations."""

from django.db.models import Q, QuerySet

from guichet.core.generations import cached_read
from guichet.territory import geometry
from guichet.territory.models import CompetenceRule, Membership, Organisation, Team


def commune_at(*, lat: float, lon: float) -> Organisation | None:
    """The active commune whose boundary contains the point, or None (outside the territory).

    One indexed query on the bounding boxes, then ray casting on the few candidates. A point
    exactly on a shared edge falls, by the half-open rule of ray casting, on one side only;
    should two boundaries still both claim it, the lowest INSEE code wins.
    """
    candidates = (
        Organisation.objects.filter(
            kind=Organisation.Kind.COMMUNE,
            is_active=True,
            min_lat__lte=lat,
            max_lat__gte=lat,
            min_lon__lte=lon,
            max_lon__gte=lon,
        )
        .only("id", "name", "slug", "insee_code", "boundary", "offer")
        .order_by("insee_code")
    )
    for commune in candidates:
        if commune.boundary and geometry.contains(commune.boundary, lat, lon):
            return commune
    return None


def metropolis() -> Organisation | None:
    return Organisation.objects.filter(kind=Organisation.Kind.METROPOLIS).first()


def communes() -> QuerySet[Organisation]:
    return Organisation.objects.filter(kind=Organisation.Kind.COMMUNE, is_active=True).order_by(
        "name"
    )


def subject_prefixes(subject: str) -> list[str]:
    """``a.b.c`` -> ``["a.b.c", "a.b", "a"]``: the keys whose rules cover ``subject``."""
    parts = subject.split(".")
    return [".".join(parts[:n]) for n in range(len(parts), 0, -1)]


def competence_resolve(*, subject: str, commune: Organisation | None) -> CompetenceRule | None:
    """The rule that decides who handles ``subject`` in ``commune``.

    The most specific subject wins (``publicspace.roads.pothole`` before ``publicspace.roads``);
    for the same subject, a rule for the commune wins over a territory-wide one.
    """
    prefixes = subject_prefixes(subject)
    where = Q(commune__isnull=True)
    if commune is not None:
        where |= Q(commune=commune)
    # One WHERE with an OR (combining two querysets with ``|`` cost more CPU than the query),
    # no ORDER BY (the default one joins the commune; the loop below picks the rule, and the
    # unique constraints leave no tie), and the organisations without their boundary JSON.
    rules = (
        CompetenceRule.objects.filter(where, subject__in=prefixes)
        .select_related("organisation", "team")
        .defer("organisation__boundary")
        .order_by()
    )
    best = None
    best_key = None
    for rule in rules:
        key = (len(rule.subject.split(".")), rule.commune_id is not None)
        if best_key is None or key > best_key:
            best, best_key = rule, key
    return best


# --- cached reads for the filing of a case ------------------------------------------------------
# Organisations, teams and competence rules change a few times a year; every submission reads
# a commune and a route: from the cache, under the "territory" generation that the receivers
# replace on any change of the three models (core.generations).
TERRITORY = "territory"


def commune_by_slug(slug: str) -> Organisation | None:
    """The commune ``slug`` (active or not; without its boundary), from the cache."""
    return cached_read(
        TERRITORY,
        ("commune", slug),
        lambda: (
            Organisation.objects.filter(slug=slug, kind=Organisation.Kind.COMMUNE)
            .defer("boundary")
            .first()
        ),
    )


def competence_route(
    *, subject: str, commune: Organisation | None
) -> tuple[Organisation, Team] | None:
    """``competence_resolve``'s organisation and team (None: no rule), from the cache."""

    def read():
        rule = competence_resolve(subject=subject, commune=commune)
        return (rule.organisation, rule.team) if rule is not None else None

    return cached_read(TERRITORY, ("route", commune.pk if commune else 0, subject), read)


def teams_of(user) -> QuerySet[Team]:
    if not user.is_authenticated:
        return Team.objects.none()
    return Team.objects.filter(memberships__user=user).select_related("organisation")


def organisation_ids_of(user) -> set[int]:
    """The organisations an agent works for (through their teams)."""
    if not user.is_authenticated:
        return set()
    return set(Membership.objects.filter(user=user).values_list("team__organisation_id", flat=True))


def is_agent(user) -> bool:
    return bool(user.is_authenticated and Membership.objects.filter(user=user).exists())


def auditor_organisation_ids(user) -> set[int]:
    """The organisations whose access records ``user`` may review (an auditor membership)."""
    if not user.is_authenticated:
        return set()
    return set(
        Membership.objects.filter(user=user, role=Membership.Role.AUDITOR).values_list(
            "team__organisation_id", flat=True
        )
    )


def members_of(organisation_ids) -> QuerySet:
    """The people with a membership in one of ``organisation_ids`` (agents and others)."""
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(memberships__team__organisation_id__in=organisation_ids)
        .distinct()
        .order_by("last_name", "first_name", "email")
    )
