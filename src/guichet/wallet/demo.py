"""Demo documents in Camille's wallet: an identity card, a recent address proof, an old one
(expired, to show the refusal), a tax notice and a family record book. Idempotent: seeded once
(she may add or delete documents in the demo afterwards)."""

from __future__ import annotations

import datetime
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from guichet.accounts.models import User
from guichet.wallet.models import WalletDocument
from guichet.wallet.services import wallet_document_add

CAMILLE = "camille.martin@example.org"


def _blank_pdf() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def seed(log) -> list[str]:
    camille = User.objects.filter(email=CAMILLE).first()
    if camille is None or WalletDocument.objects.filter(owner=camille).exists():
        return []
    today = timezone.localdate()
    documents = [
        (
            "identity",
            "Carte nationale d'identité",
            today.replace(year=today.year - 3),
            today.replace(year=today.year + 7),
        ),
        ("address_proof", "Facture d'électricité", today - datetime.timedelta(days=20), None),
        (
            "address_proof",
            "Quittance de loyer (ancienne)",
            today - datetime.timedelta(days=200),
            None,
        ),
        (
            "tax_notice",
            "Avis d'impôt sur le revenu",
            datetime.date(today.year, 1, 1) if today.month < 8 else datetime.date(today.year, 8, 1),
            None,
        ),
        ("family_record_book", "Livret de famille", datetime.date(2015, 6, 20), None),
    ]
    pdf = _blank_pdf()
    for code, title, issued, expires in documents:
        wallet_document_add(
            actor=camille,
            document_type=code,
            title=title,
            issued_on=issued,
            expires_on=expires,
            upload=SimpleUploadedFile("document.pdf", pdf, "application/pdf"),
        )
    log(f"porte-documents : {len(documents)} documents pour Camille Martin")
    return ["  Camille Martin a des documents dans « Mon espace › Mon porte-documents »."]
