"""Reads of the territory: point -> commune, competence rules, an agent's organisations."""

import contextlib
import math
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.db.models.functions import Length

from guichet.core.generations import cached_read
from guichet.core.permissions import powers_granted
from guichet.territory import addresses, geometry
from guichet.territory.models import (
    Address,
    AddressStreet,
    AddressStreetWord,
    CompetenceRule,
    Membership,
    Organisation,
    Team,
)


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


def competence_routing(
    *, subject: str, commune: Organisation | None
) -> tuple[Organisation, Team, dict[str, str]] | None:
    """``competence_resolve``'s organisation and team, and why its rule gives the subject to
    that organisation (``{"fr": ..., "en": ...}``, empty when the rule gives no reason); None
    when no rule. From the cache, in one read: a submission needs all three."""

    def read():
        rule = competence_resolve(subject=subject, commune=commune)
        if rule is None:
            return None
        reason = {"fr": rule.reason, "en": rule.reason_en} if rule.reason else {}
        return (rule.organisation, rule.team, reason)

    return cached_read(TERRITORY, ("routing", commune.pk if commune else 0, subject), read)


def competence_route(
    *, subject: str, commune: Organisation | None
) -> tuple[Organisation, Team] | None:
    """``competence_resolve``'s organisation and team (None: no rule), from the cache."""
    routing = competence_routing(subject=subject, commune=commune)
    return routing[:2] if routing is not None else None


def team_choices() -> list[tuple[int, str]]:
    """``(pk, "organisation — team")`` of every team of an active organisation, by organisation
    then team name (the choices of a re-routing form), from the cache."""

    def read():
        teams = (
            Team.objects.filter(organisation__is_active=True)
            .order_by("organisation__name", "name")
            .values_list("pk", "organisation__name", "name")
        )
        return [(pk, f"{organisation} — {name}") for pk, organisation, name in teams]

    return cached_read(TERRITORY, ("team-choices",), read)


def team_choices_of(organisation_id: int) -> list[tuple[int, str]]:
    """``(pk, name)`` of the teams of ``organisation_id``, by name (the choices of an
    assignment form), from the cache."""

    def read():
        teams = Team.objects.filter(organisation_id=organisation_id).order_by("name")
        return list(teams.values_list("pk", "name"))

    return cached_read(TERRITORY, ("team-choices-of", organisation_id), read)


def competence_reason_of(*, subject: str, organisation: Organisation) -> dict[str, str]:
    """Why ``organisation`` handles ``subject``, from its most specific rule on it (wherever it
    applies): for a case rerouted to it. Empty when none of its rules covers the subject."""
    rules = CompetenceRule.objects.filter(
        subject__in=subject_prefixes(subject), organisation=organisation
    ).exclude(reason="")
    best = max(rules, key=lambda r: len(r.subject.split(".")), default=None)
    return {"fr": best.reason, "en": best.reason_en} if best is not None else {}


# --- an agent's powers ----------------------------------------------------------------------------
# The one place where the organisations and teams a user works for are read as *powers*: every
# agent door and scoped selector goes through ``agent_scope`` (or the helpers below built on
# it), which grants nothing to an authentication that did not pass a second factor
# (``core.permissions.powers_granted``). ``has_agent_role`` answers the other question, "is
# this person an agent at all?" (who must use a second factor), whatever the session.

_SCOPE_CACHE = "_agent_scope"
_NO_SCOPE: tuple[frozenset[int], frozenset[int]] = (frozenset(), frozenset())


def _acting_memberships(user):
    """The memberships that let ``user`` act for an organisation: every role but the auditor's,
    who reviews who read what (``auditor_organisation_ids``) and reads no case (least
    privilege: an access log is not a reason to open the files it lists)."""
    return Membership.objects.filter(user=user).exclude(role=Membership.Role.AUDITOR)


def agent_scope(user) -> tuple[frozenset[int], frozenset[int]]:
    """(organisation ids, team ids) ``user`` may act for, read once per request (kept on the
    user object). Empty for anonymous users, citizens, and agents whose authentication did
    not pass a second factor."""
    scope = getattr(user, _SCOPE_CACHE, None)
    if scope is None:
        if not getattr(user, "is_authenticated", False) or not powers_granted(user):
            return _NO_SCOPE
        rows = _acting_memberships(user).values_list("team__organisation_id", "team_id")
        scope = (frozenset(r[0] for r in rows), frozenset(r[1] for r in rows))
        setattr(user, _SCOPE_CACHE, scope)
    return scope


def agent_organisation_ids_lookup(user):
    """``agent_scope``'s organisations as a value for ``organisation_id__in``: the ids when the
    scope is already read, else a subquery, so that a read made on every page (the count of
    unread notifications) costs no query of its own."""
    scope = getattr(user, _SCOPE_CACHE, None)
    if scope is not None:
        return list(scope[0])
    if not getattr(user, "is_authenticated", False) or not powers_granted(user):
        return []
    return _acting_memberships(user).values("team__organisation_id")


def forget_agent_scope(user) -> None:
    """Drop the scope cached on ``user`` (its memberships or its authentication changed)."""
    with contextlib.suppress(AttributeError):
        delattr(user, _SCOPE_CACHE)


def teams_of(user) -> QuerySet[Team]:
    """The teams ``user`` may act for (see ``agent_scope``)."""
    _org_ids, team_ids = agent_scope(user)
    if not team_ids:
        return Team.objects.none()
    return Team.objects.filter(pk__in=team_ids).select_related("organisation")


def organisation_ids_of(user) -> set[int]:
    """The organisations an agent may act for (through their teams; see ``agent_scope``)."""
    return set(agent_scope(user)[0])


def organisations_of(user) -> QuerySet[Organisation]:
    """The organisations ``user`` may act for (see ``agent_scope``), by name."""
    return Organisation.objects.filter(pk__in=agent_scope(user)[0]).order_by("name")


def is_agent(user) -> bool:
    """Whether ``user`` holds an agent's powers now (see ``agent_scope``)."""
    return bool(agent_scope(user)[0])


def has_agent_role(user) -> bool:
    """Whether ``user`` is a member of a team, whatever their session: the role that asks for
    a second factor. Never a power: use ``agent_scope`` for what they may see or do."""
    return bool(
        getattr(user, "is_authenticated", False) and Membership.objects.filter(user=user).exists()
    )


def auditor_organisation_ids(user) -> set[int]:
    """The organisations whose access records ``user`` may review (an auditor membership, with
    the second factor passed like every power: ``core.permissions.powers_granted``)."""
    from guichet.core.permissions import powers_granted

    if not user.is_authenticated or not powers_granted(user):
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


# --- the address index (BAN) --------------------------------------------------------------------

# Communes whose addresses BAN files under their arrondissements' INSEE codes.
ARRONDISSEMENTS = {
    "69123": [f"6938{n}" for n in range(1, 10)],
    "75056": [f"751{n:02d}" for n in range(1, 21)],
    "13055": [f"132{n:02d}" for n in range(1, 17)],
}
# Streets matched in the database before ranking; addresses looked up on the best of them.
STREET_CANDIDATES = 200
STREETS_FOR_NUMBER = 40
SEARCH_MAX_LIMIT = 20


@dataclass(frozen=True)
class AddressMatch:
    """An address (``kind`` ``housenumber``, with a BAN id) or a street chosen without a number
    (``kind`` ``street``, placed at the mean position of its addresses)."""

    kind: str
    address_id: str
    label: str
    number: int | None
    suffix: str
    street: str
    postcode: str
    insee_code: str
    commune_name: str
    lat: float
    lon: float


def _street_match(street: AddressStreet) -> AddressMatch:
    return AddressMatch(
        kind="street",
        address_id="",
        label=f"{street.name}, {street.postcode} {street.commune_name}",
        number=None,
        suffix="",
        street=street.name,
        postcode=street.postcode,
        insee_code=street.insee_code,
        commune_name=street.commune_name,
        lat=street.lat or 0.0,
        lon=street.lon or 0.0,
    )


def _address_match(address: Address, street: AddressStreet) -> AddressMatch:
    address.street = street
    return AddressMatch(
        kind="housenumber",
        address_id=address.ban_id,
        label=address.label,
        number=address.number,
        suffix=address.suffix,
        street=street.name,
        postcode=street.postcode,
        insee_code=street.insee_code,
        commune_name=street.commune_name,
        lat=address.lat,
        lon=address.lon,
    )


def address_insee_codes(commune: str) -> list[str] | None:
    """The INSEE codes of the addresses of ``commune`` (an INSEE code or a commune's slug,
    with its arrondissements), or None when no commune answers to it."""
    commune = commune.strip()
    if len(commune) == 5 and commune[:2].isalnum() and commune[2:].isdigit():
        insee = commune
    else:
        found = (
            Organisation.objects.filter(slug=commune, kind=Organisation.Kind.COMMUNE)
            .values_list("insee_code", flat=True)
            .first()
        )
        if not found:
            return None
        insee = found
    return [insee, *ARRONDISSEMENTS.get(insee, [])]


def _street_rank(street: AddressStreet, query: addresses.AddressQuery) -> tuple:
    """Best first: more words typed whole (the last one may be unfinished), the street's name
    starting with the first word typed, then the shortest (the least besides what was typed)."""
    key = street.search_key + " "
    whole = sum(1 for word in query.words[:-1] if f" {word} " in key)
    last = query.words[-1] if query.words else ""
    last_whole = bool(last) and f" {last} " in key
    # the search key starts with the folded name (``street_search_key``): no folding here
    starts = bool(query.words) and key.startswith(f" {query.words[0]}")
    return (-(whole + last_whole), not starts, len(key), street.name, street.pk)


def _word_after(prefix: str) -> str | None:
    """The first word after every word starting with ``prefix`` (words: ``[a-z0-9]``, which
    sort the same way in every collation): ``rue`` → ``ruf``, ``69`` → ``6a``, ``az`` → ``b``."""
    for cut in range(len(prefix) - 1, -1, -1):
        char = prefix[cut]
        if char == "9":
            return prefix[:cut] + "a"
        if char != "z":
            return prefix[:cut] + chr(ord(char) + 1)
    return None


def _street_words(prefix: str) -> QuerySet[AddressStreetWord]:
    """The rows of the words' index starting with ``prefix``: a range of it."""
    rows = AddressStreetWord.objects.filter(word__gte=prefix)
    after = _word_after(prefix)
    return rows.filter(word__lt=after) if after is not None else rows


def addresses_search(
    *, text: str, limit: int = 10, insee_codes: list[str] | None = None
) -> list[AddressMatch]:
    """The addresses that ``text`` describes, best first: accents, case and punctuation
    ignored, words in any order, the last one possibly unfinished (``12 grande rue oul``).

    Every word must start a word of the street's name, postcode or commune; a house number
    (with ``bis``, ``ter``…) then picks that number on the best streets, and when no street
    has it (or none was typed) the streets are the answers. Plain ``LIKE`` on the streets'
    folded keys (a department has some 20,000 streets for 450,000 addresses), then one
    indexed lookup of the number: the same on SQLite and PostgreSQL, no extension."""
    query = addresses.parse_query(text)
    limit = max(1, min(limit, SEARCH_MAX_LIMIT))
    if not query.words or sum(len(w) for w in query.words) < 2:
        return []
    # Every word of two letters or more is a prefix range of the words' index (read without
    # the table); the streets are those in all the ranges, the longest word's first. A
    # one-letter word (the next word begun) is only checked on the streets found.
    driver = max(query.words, key=len)
    street_ids = _street_words(driver)
    for word in query.words:
        if word != driver and len(word) >= 2:
            street_ids = street_ids.filter(street_id__in=_street_words(word).values("street_id"))
    streets_qs = AddressStreet.objects.all()
    for word in query.words:
        streets_qs = streets_qs.filter(search_key__contains=f" {word}")
    if insee_codes is not None:
        # In a commune: its matching streets, the shortest first.
        streets_qs = streets_qs.filter(
            insee_code__in=insee_codes, pk__in=street_ids.values("street_id")
        ).order_by(Length("search_key"))
    else:
        # The first streets of the ranges in the index's order (the words equal to what was
        # typed first): a common word ("rue", "saint", "lyon") matches thousands of streets,
        # a few hundred are enough to rank.
        first = street_ids.order_by("word", "street_id").values("street_id")
        streets_qs = streets_qs.filter(pk__in=first[:STREET_CANDIDATES])
    candidates = list(streets_qs[:STREET_CANDIDATES])
    candidates.sort(key=lambda street: _street_rank(street, query))
    if query.number is not None:
        best = {street.pk: street for street in candidates[:STREETS_FOR_NUMBER]}
        found = Address.objects.filter(street_id__in=list(best), number=query.number)
        if query.suffix:
            found = found.filter(suffix__startswith=query.suffix)
        order = {pk: n for n, pk in enumerate(best)}
        rows = sorted(found, key=lambda a: (order[a.street_id], a.suffix != "", a.suffix))
        if rows:
            return [_address_match(a, best[a.street_id]) for a in rows[:limit]]
    return [_street_match(street) for street in candidates[:limit] if street.lat is not None]


def address_by_ban_id(ban_id: str) -> AddressMatch | None:
    """The indexed address whose BAN id is ``ban_id``, or None."""
    ban_id = (ban_id or "").strip()
    if not ban_id or len(ban_id) > 50:
        return None
    address = Address.objects.filter(ban_id=ban_id).select_related("street").first()
    return _address_match(address, address.street) if address is not None else None


def address_nearest(
    *, lat: float, lon: float, radius_m: float = addresses.REVERSE_RADIUS_M
) -> tuple[AddressMatch, float] | None:
    """The indexed address nearest to the point within ``radius_m`` and its distance in metres
    (reverse geocoding), or None. One range scan of the (lat, lon) index over the square
    around the point, the distances computed on the few rows in it."""
    dlat = radius_m / 111_320
    dlon = radius_m / (111_320 * max(math.cos(math.radians(lat)), 0.01))
    rows = Address.objects.filter(
        lat__gte=lat - dlat, lat__lte=lat + dlat, lon__gte=lon - dlon, lon__lte=lon + dlon
    ).only("pk", "lat", "lon")
    best, best_distance = None, radius_m
    for row in rows:
        distance = addresses.distance_m(lat, lon, row.lat, row.lon)
        if distance <= best_distance:
            best, best_distance = row.pk, distance
    if best is None:
        return None
    address = Address.objects.select_related("street").get(pk=best)
    return _address_match(address, address.street), best_distance
