"""Filing reports: routing by category x commune, photos, bad input, duplicates, states,
notifications, re-routing, moderation, alerts, the questionnaire."""

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image

from guichet.cases.errors import CaseInputError
from guichet.cases.handling import case_reroute, case_transition
from guichet.cases.models import CaseAttachment, CaseEvent
from guichet.core.policies import PolicyDenied
from guichet.notifications.models import Notification
from guichet.publicspace import services
from guichet.publicspace.models import Report, ReportSubscription, ReportUpdate, State
from guichet.publicspace.selectors import (
    Open311Query,
    open311_requests,
    reports_for_agent,
    reports_nearby,
)
from tests.publicspace.conftest import OULLINS, jpeg_bytes


def file_pothole(user, photos=(), at=OULLINS, **kwargs):
    return services.report_submit(
        actor=user,
        requester=user,
        category_code=kwargs.pop("category", "nid-de-poule"),
        latitude=at[0],
        longitude=at[1],
        description=kwargs.pop("description", "Gros trou devant la boulangerie"),
        answers=kwargs.pop("answers", {"emplacement": "chaussee"}),
        photos=list(photos),
        **kwargs,
    )


@pytest.mark.parametrize(
    "category,answers,org,team",
    [
        ("nid-de-poule", {"emplacement": "chaussee"}, "metropole", "voirie"),
        ("corbeille-pleine", {}, "metropole", "proprete"),
        ("depot-sauvage", {"volume": "sac"}, "metropole", "proprete"),
        ("lampadaire-eteint", {}, "oullins", "services-techniques"),
        ("branche-tombee", {}, "oullins", "services-techniques"),
        ("graffiti", {"injurieux": "non"}, "oullins", "services-techniques"),
    ],
)
def test_reports_are_routed_by_category_and_commune(demo, users, category, answers, org, team):
    case = file_pothole(users["camille.martin"], category=category, answers=answers).case
    metro_slug = next(s for s, o in demo.items() if o.kind == "metropolis")
    expected_org = metro_slug if org == "metropole" else org
    assert case.organisation.slug == expected_org
    assert case.team.slug == team
    assert case.commune.slug == "oullins"
    report = case.report
    assert report.category.code == category and report.state == State.OPEN
    assert case.events.filter(kind=CaseEvent.Kind.ROUTED).count() == 1


def test_photo_is_reencoded_without_metadata_with_a_thumbnail(demo, users):
    content = jpeg_bytes(size=(2600, 1950), gps=OULLINS)
    assert services.photo_gps(content) == pytest.approx(OULLINS, abs=1e-4)
    case = file_pothole(users["camille.martin"], photos=[("p.jpg", content)]).case
    photo = case.report.photos.get()
    with photo.attachment.file.open("rb") as fh:
        stored = fh.read()
    assert services.photo_gps(stored) is None
    with Image.open(photo.attachment.file.path) as image:
        assert not image.getexif()
        assert image.size == (1300, 975)  # large photos: decoded at 1/2 scale
    with Image.open(photo.thumbnail.path) as thumb:
        assert max(thumb.size) <= 320


def test_large_photo_is_turned_upright_once_and_its_thumbnail_made_from_the_same_decode(
    demo, users
):
    image = Image.new("RGB", (2600, 1950), (200, 30, 30))
    image.paste((30, 30, 200), (0, 0, 1300, 1950))  # left half blue, right half red
    exif = Image.Exif()
    exif[0x0112] = 6  # the camera was held upright: rotate 90° clockwise to show it
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    case = file_pothole(users["camille.martin"], photos=[("p.jpg", out.getvalue())]).case
    photo = case.report.photos.get()
    with Image.open(photo.attachment.file.path) as stored:
        assert stored.size == (975, 1300) and not stored.getexif()
        top = stored.convert("RGB").getpixel((487, 100))
    with Image.open(photo.thumbnail.path) as thumb:
        assert thumb.size == (240, 320)
        thumb_top = thumb.convert("RGB").getpixel((120, 20))
    # after the rotation the blue half is on top, in the photo and its thumbnail alike
    assert top[2] > 150 > top[0] and thumb_top[2] > 150 > thumb_top[0]


@pytest.mark.parametrize(
    "kwargs,field",
    [
        ({"at": (48.8566, 2.3522)}, "location"),  # Paris: outside the territory
        ({"photos": [("x.jpg", b"not an image at all")]}, "photos"),
        ({"photos": [("big.jpg", b"\xff\xd8\xff" + b"0" * (30 * 1024 * 1024))]}, "photos"),
        ({"category": "inconnue"}, "category"),
        ({"category": "danger"}, "category"),  # guidance only: call 112
        ({"answers": {}}, "q_emplacement"),
        ({"photos": [("p.jpg", jpeg_bytes())] * 6}, "photos"),
        ({"description": "x" * 4001}, "description"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_saved(demo, users, kwargs, field):
    before = (Report.objects.count(), CaseAttachment.objects.count())
    with pytest.raises(CaseInputError) as exc:
        file_pothole(users["camille.martin"], **kwargs)
    assert field in exc.value.errors
    assert exc.value.errors[field]
    assert (Report.objects.count(), CaseAttachment.objects.count()) == before


def test_nearby_open_reports_of_the_category_nearest_then_newest(demo, users):
    Report.objects.all().delete()
    camille = users["camille.martin"]
    lat, lon = OULLINS
    near = file_pothole(camille, at=(lat + 0.0005, lon)).case.report  # ~55 m
    nearer = file_pothole(camille, at=(lat + 0.0001, lon)).case.report  # ~11 m
    file_pothole(camille, at=(lat + 0.004, lon))  # ~445 m: too far
    file_pothole(camille, category="corbeille-pleine", answers={}, at=(lat, lon))  # other cat
    closed = file_pothole(camille, at=(lat, lon + 0.0001)).case.report
    case_transition(actor=users["agent.voirie"], case=closed.case, transition="fix", comment="Ok")
    found = reports_nearby(category=near.category, lat=lat, lon=lon)
    assert [r.pk for r, _d in found] == [nearer.pk, near.pk]
    assert 40 < found[1][1] < 70
    for _i in range(6):
        file_pothole(camille, at=(lat + 0.0002, lon))
    assert len(reports_nearby(category=near.category, lat=lat, lon=lon)) == 5


def test_nearby_orders_by_10_m_steps_then_newest_in_one_query(demo, users):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    Report.objects.all().delete()
    camille = users["camille.martin"]
    lat, lon = OULLINS
    older = file_pothole(camille, at=(lat + 0.00012, lon)).case.report  # ~13 m
    newer = file_pothole(camille, at=(lat + 0.00017, lon)).case.report  # ~19 m, same step
    farther = file_pothole(camille, at=(lat + 0.00030, lon)).case.report  # ~33 m
    Report.objects.filter(pk=older.pk).update(created_at=timezone.now() - timedelta(days=3))
    with CaptureQueriesContext(connection) as queries:
        found = reports_nearby(category=older.category, lat=lat, lon=lon)
    assert len(queries) == 1
    assert [r.reference for r, _d in found] == [newer.reference, older.reference, farther.reference]
    first = found[0][0]
    assert first.category == older.category and first.photo_id is None
    assert first.created_at.tzinfo is not None


def test_state_change_notifies_reporter_and_subscribers_and_is_public(demo, users):
    camille, lucas = users["camille.martin"], users["lucas.bernard"]
    report = file_pothole(camille).case.report
    services.report_subscribe(report=report, user=lucas)
    services.report_subscribe(report=report, email="voisin@example.org")
    agent = users["agent.voirie"]
    case_transition(actor=agent, case=report.case, transition="fix", comment="Rebouché.")
    report.refresh_from_db()
    assert report.state == State.FIXED and not report.is_open and report.fixed_at
    assert report.case.status == "fixed" and report.case.is_closed
    notes = Notification.objects.filter(topic="publicspace.update")
    assert {n.recipient_id for n in notes if n.recipient_id} == {camille.pk, lucas.pk}
    assert [n.contact["email"] for n in notes if not n.recipient_id] == ["voisin@example.org"]
    assert "Rebouché." in notes.first().body_text
    assert report.updates.last().description == "Rebouché."


def test_agent_of_another_organisation_cannot_touch_a_report(demo, users):
    report = file_pothole(users["camille.martin"]).case.report
    stranger = users["agent.lyon"]
    lyon_team = demo["lyon"].teams.first()
    original = file_pothole(users["lucas.bernard"]).case.report
    events = report.case.events.count()
    for call in (
        lambda: case_transition(actor=stranger, case=report.case, transition="fix"),
        lambda: services.report_moderate(
            actor=stranger, report=report, public_description="", hidden_photo_ids=[]
        ),
        lambda: services.report_mark_duplicate(actor=stranger, report=report, original=original),
        lambda: case_reroute(actor=stranger, case=report.case, team=lyon_team, reason="x"),
    ):
        with pytest.raises(PolicyDenied) as refused:
            call()
        assert refused.value.code == "not_found"
    report.refresh_from_db()
    assert report.state == State.OPEN and report.public_description
    assert report.duplicate_of is None and report.case.events.count() == events
    assert not reports_for_agent(actor=stranger).filter(pk=report.pk).exists()
    assert reports_for_agent(actor=users["agent.voirie"]).filter(pk=report.pk).exists()


def test_reroute_with_a_reason_is_kept_in_history(demo, users):
    report = file_pothole(users["camille.martin"]).case.report
    oullins_team = demo["oullins"].teams.get(slug="services-techniques")
    with pytest.raises(CaseInputError):
        case_reroute(actor=users["agent.voirie"], case=report.case, team=oullins_team, reason="")
    case_reroute(
        actor=users["agent.voirie"], case=report.case, team=oullins_team, reason="Voie communale"
    )
    report.refresh_from_db()
    report.case.refresh_from_db()
    assert report.case.team == oullins_team and report.case.organisation == demo["oullins"]
    assert report.organisation == demo["oullins"]  # the copy Open311 lists (ADR 0024)
    [row] = open311_requests(Open311Query(references=(report.reference,)))
    assert row[12] == demo["oullins"].name
    assert open311_requests(Open311Query(organisation_id=demo["oullins"].pk))[0][1] == (
        report.reference
    )
    event = report.case.events.filter(kind=CaseEvent.Kind.ROUTED).last()
    assert event.data["reason"] == "Voie communale"
    assert reports_for_agent(actor=users["agent.oullins"]).filter(pk=report.pk).exists()
    assert not reports_for_agent(actor=users["agent.voirie"]).filter(pk=report.pk).exists()


def test_duplicate_moves_reporter_and_subscribers_to_the_survivor(demo, users):
    camille, lucas = users["camille.martin"], users["lucas.bernard"]
    original = file_pothole(camille).case.report
    dup = file_pothole(lucas).case.report
    services.report_subscribe(report=dup, email="voisin@example.org")
    services.report_mark_duplicate(actor=users["agent.voirie"], report=dup, original=original)
    dup.refresh_from_db()
    assert dup.state == State.DUPLICATE and dup.duplicate_of == original
    followers = ReportSubscription.objects.filter(report=original)
    assert {s.user_id for s in followers if s.user_id} == {lucas.pk}
    assert {s.email for s in followers if not s.user_id} == {"voisin@example.org"}


def test_moderation_keeps_the_original_for_agents(demo, users):
    report = file_pothole(users["camille.martin"], photos=[("p.jpg", jpeg_bytes())]).case.report
    photo = report.photos.get()
    services.report_moderate(
        actor=users["agent.voirie"],
        report=report,
        public_description="Trou dans la chaussée",
        hidden_photo_ids=[photo.pk],
    )
    report.refresh_from_db()
    photo.refresh_from_db()
    assert report.public_description == "Trou dans la chaussée"
    assert report.case.data["description"] == "Gros trou devant la boulangerie"
    assert photo.hidden and photo.attachment.file


def test_questionnaire_after_four_weeks_can_reopen(demo, users):
    camille = users["camille.martin"]
    report = file_pothole(camille).case.report
    case_transition(actor=users["agent.voirie"], case=report.case, transition="fix")
    assert services.questionnaires_send() == 0
    report.refresh_from_db()
    later = report.fixed_at + timedelta(days=29)
    assert services.questionnaires_send(now=later) == 1
    assert services.questionnaires_send(now=later) == 0
    note = Notification.objects.filter(template="publicspace_questionnaire").get()
    token = note.url.rstrip("/").rsplit("/", 1)[-1]
    assert services.questionnaire_report(token) == report
    services.questionnaire_answer(report=report, fixed=False, comment="Toujours là")
    report.refresh_from_db()
    assert report.state == State.OPEN and report.is_open
    assert services.questionnaire_report(token) is None  # the link is spent
    assert ReportUpdate.objects.filter(report=report, state=State.OPEN).count() == 2
    assert timezone.now() >= report.updated_at


def test_alerts_for_a_commune_and_a_circle(demo, users):
    lucas = users["lucas.bernard"]
    services.alert_create(actor=lucas, commune=demo["oullins"])
    services.alert_create(actor=lucas, latitude=45.76, longitude=4.83, radius_m=300)  # Lyon
    with pytest.raises(CaseInputError):
        services.alert_create(actor=lucas, latitude=48.85, longitude=2.35, radius_m=300)
    file_pothole(users["camille.martin"])
    assert Notification.objects.filter(topic="publicspace.alert", recipient=lucas).count() == 1


def test_gdpr_erase_removes_public_name_alerts_and_follows(demo, users):
    from guichet.core.gdpr import gdpr_parts
    from guichet.publicspace.models import Alert

    camille = users["camille.martin"]
    report = file_pothole(camille, show_name=True).case.report
    assert report.public_name == "Camille M."
    other = file_pothole(users["lucas.bernard"]).case.report
    services.report_subscribe(report=other, user=camille)
    services.alert_create(actor=camille, commune=demo["oullins"])
    part = next(p for p in gdpr_parts() if p.name == "publicspace")
    exported = part.export(camille)
    assert exported["followed_reports"] == [other.case.reference] and exported["alerts"]
    part.erase(camille)
    report.refresh_from_db()
    assert report.public_name == "" and not report.show_name
    assert not Alert.objects.filter(user=camille).exists()
    assert not ReportSubscription.objects.filter(user=camille).exists()


@pytest.mark.django_db(transaction=True)
def test_a_report_that_cannot_be_recorded_leaves_no_case_and_no_gap(demo, users):
    """The report is recorded in the case's transaction: a failure while recording it rolls
    the case back too, and the reference's number is given back."""
    from django.db.models.signals import post_save

    from guichet.cases.models import Case, ReferenceCounter

    first = file_pothole(users["camille.martin"], photos=[("a.jpg", jpeg_bytes())])
    prefix = first.case.reference.rsplit("-", 2)[0]
    cases, reports = Case.objects.count(), Report.objects.count()

    def fail(sender, instance, created, **kwargs):
        raise RuntimeError("thumbnail storage unavailable")

    post_save.connect(fail, sender=Report, weak=False)
    try:
        with pytest.raises(RuntimeError, match="thumbnail storage"):
            file_pothole(users["camille.martin"], photos=[("b.jpg", jpeg_bytes())])
    finally:
        post_save.disconnect(fail, sender=Report)
    assert (Case.objects.count(), Report.objects.count()) == (cases, reports)
    assert not CaseAttachment.objects.filter(original_name="b.jpg").exists()
    assert ReferenceCounter.objects.get(prefix=prefix).last == int(first.case.reference[-6:])
    second = file_pothole(users["camille.martin"])
    assert int(second.case.reference[-6:]) == int(first.case.reference[-6:]) + 1
    assert Report.objects.filter(case=second.case).exists()
