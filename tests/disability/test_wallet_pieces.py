"""The document wallet in the MDMPH filing: pieces picked from the wallet (validity on the
filing date, about the right person), uploads kept only by choice, each use recorded; the
whole journey of a parent's file for her child through the real doors, up to the RAPO."""

import datetime

import pytest

from tests.disability.conftest import DIAGNOSIS, filing_post, upload

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()


@pytest.fixture(autouse=True)
def _wallet_settings(settings):
    settings.WALLET_ENCRYPTION_KEYS = ["q6Q0x1wF2mJq3r9Yb8c7d6e5f4g3h2i1j0k9l8m7n6o="]


@pytest.fixture
def wallet(people, child):
    """The parent's wallet, through the wallet's own service: the child's identity card and
    medical certificate (kept by choice), her own address proof and the mandate."""
    from guichet.wallet.services import wallet_document_add

    def add(document_type, *, issued_on, expires_on=None, dependant=None, title, **kw):
        return wallet_document_add(
            actor=people["parent"],
            document_type=document_type,
            title=title,
            issued_on=issued_on,
            expires_on=expires_on,
            upload=upload(),
            dependant=dependant,
            **kw,
        )

    return {
        "identity": add(
            "identity",
            issued_on=TODAY - datetime.timedelta(days=700),
            expires_on=TODAY + datetime.timedelta(days=2000),
            dependant=child,
            title="Carte d'identité de Léo",
        ),
        "own_identity": add(
            "identity",
            issued_on=TODAY - datetime.timedelta(days=700),
            expires_on=TODAY + datetime.timedelta(days=2000),
            title="Ma carte d'identité",
        ),
        "address_proof": add(
            "address_proof", issued_on=TODAY - datetime.timedelta(days=20), title="Facture"
        ),
        "medical_certificate": add(
            "medical_certificate",
            issued_on=TODAY - datetime.timedelta(days=60),
            dependant=child,
            keep_health=True,
            title="Certificat de Léo",
        ),
        "mandate": add("mandate", issued_on=TODAY - datetime.timedelta(days=10), title="Livret"),
    }


def _from_wallet(documents, child, **overrides):
    """The filing POST with every piece picked from the wallet instead of uploaded."""
    post = filing_post(dependant=child, certificate_issued_on="")
    for kind in ("identity", "address_proof", "medical_certificate", "mandate"):
        post.pop(f"piece_{kind}", None)
        post[f"piece_{kind}__wallet"] = str(documents[kind].pk)
    post.update(overrides)
    return {k: v for k, v in post.items() if v is not None}


def _step(client, file, transition, comment=""):
    response = client.post(
        f"/mdmph/instruction/{file.case.reference}/transition/",
        {"transition": transition, "comment": comment},
    )
    assert response.status_code == 302
    file.refresh_from_db()
    file.case.refresh_from_db()


def test_parent_files_for_child_from_the_wallet_then_the_whole_journey_to_the_rapo(
    parent_client, child, people, wallet, as_agent
):
    from guichet.disability.models import DisabilityFile
    from guichet.notifications.models import Notification
    from guichet.wallet.models import WalletDocumentUse

    # the form offers the wallet's documents beside each piece
    page = parent_client.get("/mdmph/deposer/").content.decode()
    assert "Ou choisir dans mon porte-documents" in page
    assert "Carte d&#x27;identité de Léo" in page or "Carte d'identité de Léo" in page

    response = parent_client.post("/mdmph/deposer/", _from_wallet(wallet, child))
    assert response.status_code == 302, response.content.decode()[:3000]
    file = DisabilityFile.objects.select_related("case").get()
    ref = file.case.reference
    # the pieces are copies of the wallet's documents, the certificate's date is the kept one's
    pieces = {p.kind: p for p in file.pieces.all()}
    assert {k: p.wallet_document_id for k, p in pieces.items()} == {
        k: wallet[k].pk for k in ("identity", "address_proof", "medical_certificate", "mandate")
    }
    assert file.certificate_issued_on == wallet["medical_certificate"].issued_on
    # the person sees which service used which document
    uses = WalletDocumentUse.objects.filter(case=file.case)
    assert uses.count() == 4
    assert {u.document_id for u in uses} == {p.wallet_document_id for p in pieces.values()}
    document_page = parent_client.get(f"/mon-espace/documents/{wallet['identity'].pk}/")
    assert ref in document_page.content.decode()

    # the house instructs; the person comments on the plan; the decision is notified
    reception, evaluation = as_agent("reception"), as_agent("evaluation")
    notified_before = Notification.objects.filter(recipient=people["parent"]).count()
    _step(reception, file, "declare_admissible")
    for transition in ("start_evaluation", "propose_plan"):
        _step(evaluation, file, transition)
    assert file.case.status == "plan_proposed"
    response = parent_client.post(
        f"/mdmph/dossiers/{ref}/observations/", {"body": "D'accord avec le plan."}
    )
    assert response.status_code == 302
    file.refresh_from_db()
    assert file.plan_comment == "D'accord avec le plan."
    for transition in ("to_commission", "notify_decision"):
        _step(evaluation, file, transition)
    assert file.case.status == "decided" and file.decision_notified_on == TODAY
    notifications = Notification.objects.filter(recipient=people["parent"])
    assert notifications.count() > notified_before
    assert all(DIAGNOSIS not in (n.subject + n.body_text + n.summary) for n in notifications)

    # then a RAPO, online, linked to the first file
    response = parent_client.post(
        f"/mdmph/dossiers/{ref}/recours/",
        {"reason": "Le complément est refusé.", "piece_appeal_letter": upload()},
    )
    assert response.status_code == 302
    appeal = DisabilityFile.objects.get(kind="appeal")
    assert appeal.appeal_of == file and appeal.case.reference != ref
    assert response["Location"] == f"/mdmph/dossiers/{appeal.case.reference}/"


def test_an_expired_certificate_in_the_wallet_is_refused_with_its_date_and_the_rule(
    parent_client, child, people, wallet
):
    from guichet.cases.models import Case
    from guichet.wallet.services import wallet_document_add

    old = TODAY - datetime.timedelta(days=400)
    expired = wallet_document_add(
        actor=people["parent"],
        document_type="medical_certificate",
        title="Ancien certificat",
        issued_on=old,
        upload=upload(),
        dependant=child,
        keep_health=True,
    )
    post = _from_wallet(wallet, child, piece_medical_certificate__wallet=str(expired.pk))
    response = parent_client.post("/mdmph/deposer/", post)
    assert response.status_code == 400
    html = response.content.decode()
    assert old.strftime("%d/%m/%Y") in html
    assert "doit dater de moins de 12 mois" in html
    assert not Case.objects.filter(definition__key__startswith="disability").exists()


def test_a_picked_document_is_checked_again_on_the_filing_date(
    parent_client, child, people, wallet
):
    """A draft may wait: the certificate picked into it is refused on a filing date when it
    is more than a year old, with its date."""
    from guichet.disability.errors import FilingError
    from guichet.disability.filing import file_submit
    from guichet.disability.models import FilingDraft

    response = parent_client.post("/mdmph/deposer/", _from_wallet(wallet, child, action="save"))
    assert response.status_code == 302
    draft = FilingDraft.objects.get()
    later = TODAY + datetime.timedelta(days=330)
    with pytest.raises(FilingError) as refusal:
        file_submit(actor=people["parent"], draft=draft, today=later)
    message = refusal.value.errors["medical_certificate"]
    assert wallet["medical_certificate"].issued_on.strftime("%d/%m/%Y") in message


def test_the_parent_s_own_identity_is_refused_for_the_child_s_file(parent_client, child, wallet):
    from guichet.cases.models import Case

    post = _from_wallet(wallet, child, piece_identity__wallet=str(wallet["own_identity"].pk))
    response = parent_client.post("/mdmph/deposer/", post)
    assert response.status_code == 400
    assert "ne concerne pas la personne du dossier (Léo Martin)" in response.content.decode()
    assert not Case.objects.filter(definition__key__startswith="disability").exists()


def test_someone_else_s_wallet_document_is_refused(client, people, child, wallet):
    from guichet.accounts.models import User
    from guichet.disability.models import DisabilityFile

    other = User.objects.get(email="lucas.bernard@example.org")
    client.force_login(other)
    post = filing_post(first_name="Lucas", last_name="Bernard", birth_date="1990-01-01")
    post.pop("piece_identity")
    post["piece_identity__wallet"] = str(wallet["own_identity"].pk)
    response = client.post("/mdmph/deposer/", post)
    assert response.status_code == 400
    assert "pas dans votre porte-documents" in response.content.decode()
    assert not DisabilityFile.objects.exists()


@pytest.mark.parametrize("keep", [False, True])
def test_an_uploaded_health_document_is_kept_in_the_wallet_only_when_chosen(
    parent_client, child, keep
):
    from guichet.disability.models import DisabilityFile
    from guichet.wallet.models import WalletDocument, WalletDocumentUse

    post = filing_post(dependant=child)
    if keep:
        post["piece_medical_certificate__keep"] = "on"
    response = parent_client.post("/mdmph/deposer/", post)
    assert response.status_code == 302, response.content.decode()[:2000]
    file = DisabilityFile.objects.get()
    kept = WalletDocument.objects.filter(document_type="medical_certificate")
    if keep:
        document = kept.get()
        assert document.is_health
        assert document.issued_on == file.certificate_issued_on
        assert WalletDocumentUse.objects.get(document=document).case == file.case
    else:
        assert not kept.exists()
        assert not WalletDocumentUse.objects.exists()


def test_missing_pieces_can_be_sent_from_the_wallet(filed, parent_client, as_agent, wallet):
    from guichet.wallet.models import WalletDocumentUse

    _step(as_agent("reception"), filed, "ask_pieces", comment="Justificatif de domicile récent")
    assert filed.case.status == "pieces_missing"
    page = parent_client.get(f"/mdmph/dossiers/{filed.case.reference}/").content.decode()
    assert "Ou choisir dans mon porte-documents" in page
    response = parent_client.post(
        f"/mdmph/dossiers/{filed.case.reference}/pieces/",
        {"piece_address_proof__wallet": str(wallet["address_proof"].pk)},
    )
    assert response.status_code == 302
    filed.case.refresh_from_db()
    assert filed.case.status != "pieces_missing"
    assert filed.pieces.filter(wallet_document=wallet["address_proof"]).exists()
    assert WalletDocumentUse.objects.filter(
        case=filed.case, document=wallet["address_proof"]
    ).exists()
