from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from guichet.localinfo.hours import is_open, is_open_at
from guichet.localinfo.models import ExceptionalClosure, Place, WeeklyOpening

PARIS = ZoneInfo("Europe/Paris")

# A town hall (Monday to Friday 8:30–12:00 and 13:30–17:00, Saturday morning), and a night
# venue open Friday and Saturday 22:00–02:00.
TOWN_HALL = (
    [(d, time(8, 30), time(12)) for d in range(5)]
    + [(d, time(13, 30), time(17)) for d in range(5)]
    + [(5, time(9), time(12))]
)
NIGHT = [(4, time(22), time(2)), (5, time(22), time(2))]
CHRISTMAS = [(date(2026, 12, 24), date(2026, 12, 26))]
SAT = [(date(2026, 11, 28), date(2026, 11, 28))]


@pytest.mark.parametrize(
    ("slots", "closures", "local", "expected", "why"),
    [
        (TOWN_HALL, [], datetime(2026, 11, 23, 8, 29), False, "lundi avant l'ouverture"),
        (TOWN_HALL, [], datetime(2026, 11, 23, 8, 30), True, "lundi à l'ouverture"),
        (TOWN_HALL, [], datetime(2026, 11, 23, 12, 0), False, "lundi à la fermeture de midi"),
        (TOWN_HALL, [], datetime(2026, 11, 23, 12, 45), False, "lundi pause de midi"),
        (TOWN_HALL, [], datetime(2026, 11, 23, 16, 59), True, "lundi après-midi"),
        (TOWN_HALL, [], datetime(2026, 11, 28, 10, 0), True, "samedi matin"),
        (TOWN_HALL, [], datetime(2026, 11, 28, 14, 0), False, "samedi après-midi"),
        (TOWN_HALL, [], datetime(2026, 11, 29, 10, 0), False, "dimanche"),
        (TOWN_HALL, CHRISTMAS, datetime(2026, 12, 24, 10, 0), False, "fermeture exceptionnelle"),
        (TOWN_HALL, CHRISTMAS, datetime(2026, 12, 28, 10, 0), True, "après la fermeture"),
        (NIGHT, [], datetime(2026, 11, 27, 21, 59), False, "vendredi avant 22 h"),
        (NIGHT, [], datetime(2026, 11, 27, 23, 0), True, "vendredi soir"),
        (NIGHT, [], datetime(2026, 11, 28, 1, 30), True, "nuit de vendredi à samedi"),
        (NIGHT, [], datetime(2026, 11, 28, 2, 0), False, "samedi 2 h, fermé"),
        (NIGHT, [], datetime(2026, 11, 29, 1, 0), True, "nuit de samedi à dimanche"),
        (NIGHT, [], datetime(2026, 11, 30, 1, 0), False, "nuit de dimanche à lundi"),
        (NIGHT, SAT, datetime(2026, 11, 28, 1, 0), True, "nuit du vendredi ouverte"),
        (NIGHT, SAT, datetime(2026, 11, 28, 23, 0), False, "samedi fermé"),
        (NIGHT, SAT, datetime(2026, 11, 29, 1, 0), False, "nuit du samedi fermé"),
        ([], [], datetime(2026, 11, 23, 10, 0), False, "sans horaires"),
    ],
)
def test_is_open(slots, closures, local, expected, why):
    assert is_open(slots, closures, local.replace(tzinfo=PARIS)) is expected, why


@pytest.mark.django_db
def test_is_open_at_reads_the_place_in_local_time():
    from tests.factories import CommuneFactory

    place = Place.objects.create(organisation=CommuneFactory(), name="Mairie")
    WeeklyOpening.objects.create(place=place, weekday=0, opens=time(8, 30), closes=time(12))
    ExceptionalClosure.objects.create(
        place=place, start_date=date(2026, 12, 7), end_date=date(2026, 12, 7), reason="Inventaire"
    )
    # 08:00 UTC on Monday 23 November = 09:00 in Paris (winter time).
    assert is_open_at(place, datetime(2026, 11, 23, 8, 0, tzinfo=UTC))
    assert not is_open_at(place, datetime(2026, 11, 23, 7, 0, tzinfo=UTC))
    # Summer time: 06:45 UTC on Monday 6 July = 08:45 in Paris.
    assert is_open_at(place, datetime(2026, 7, 6, 6, 45, tzinfo=UTC))
    assert not is_open_at(place, datetime(2026, 12, 7, 9, 0, tzinfo=UTC))
