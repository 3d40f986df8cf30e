"""Pieces are encrypted at rest; a lost key fails closed; rotation re-encrypts."""

import pytest
from cryptography.fernet import Fernet
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command

from guichet.core.policies import SYSTEM
from tests.factories import pdf_bytes

pytestmark = pytest.mark.django_db


def _stored(piece) -> bytes:
    with default_storage.open(piece.storage_name, "rb") as handle:
        return handle.read()


def test_piece_on_disk_is_unreadable_without_the_key(filed):
    from guichet.disability.pieces import piece_read

    piece = filed.pieces.get(kind="medical_certificate")
    raw = _stored(piece)
    assert b"%PDF" not in raw and pdf_bytes() not in raw
    assert piece.storage_name.endswith(".enc")
    assert "autisme" not in piece.storage_name
    assert piece_read(actor=SYSTEM, piece=piece) == pdf_bytes()


def test_lost_key_fails_closed(filed, settings, as_agent):
    from guichet.disability import crypto
    from guichet.disability.pieces import piece_read

    piece = filed.pieces.get(kind="medical_certificate")
    settings.DISABILITY_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]  # the old one lost
    with pytest.raises(crypto.PieceUnreadable):
        piece_read(actor=SYSTEM, piece=piece)
    response = as_agent("doctor").get(
        f"/mdmph/instruction/{filed.case.reference}/pieces/{piece.pk}/"
    )
    assert response.status_code == 503
    assert pdf_bytes() not in response.content and _stored(piece) not in response.content


def test_no_key_in_production_refuses_to_store(settings):
    from django.core.exceptions import ImproperlyConfigured

    from guichet.disability import crypto

    settings.DISABILITY_ENCRYPTION_KEYS = []
    settings.DEBUG = False
    settings.DISABILITY_ALLOW_LOCAL_KEY = False
    with pytest.raises(ImproperlyConfigured):
        crypto.encrypt(b"x")


def test_embedded_mode_generates_a_local_key(settings, tmp_path):
    from guichet.disability import crypto

    settings.DISABILITY_ENCRYPTION_KEYS = []
    settings.DISABILITY_ALLOW_LOCAL_KEY = True
    settings.VAR_DIR = tmp_path
    token = crypto.encrypt(b"contenu")
    assert (tmp_path / crypto.LOCAL_KEY_FILE).exists()
    assert crypto.decrypt(token) == b"contenu"


def test_rotation_new_key_first_old_kept_then_reencrypt(filed, settings):
    from guichet.disability import crypto
    from guichet.disability.pieces import piece_read

    old = settings.DISABILITY_ENCRYPTION_KEYS[0]
    new = Fernet.generate_key().decode()
    settings.DISABILITY_ENCRYPTION_KEYS = [new, old]
    piece = filed.pieces.get(kind="medical_certificate")
    assert piece_read(actor=SYSTEM, piece=piece) == pdf_bytes()  # old pieces still read
    call_command("disability_reencrypt", stdout=open("/dev/null", "w"))  # noqa: SIM115
    settings.DISABILITY_ENCRYPTION_KEYS = [new]  # the old key dropped
    for piece in filed.pieces.all():
        assert piece_read(actor=SYSTEM, piece=piece) == pdf_bytes()
    settings.DISABILITY_ENCRYPTION_KEYS = [old]
    with pytest.raises(crypto.PieceUnreadable):
        piece_read(actor=SYSTEM, piece=piece)


def test_a_tampered_piece_does_not_open(filed):
    from guichet.disability import crypto
    from guichet.disability.pieces import piece_read

    piece = filed.pieces.get(kind="identity")
    raw = bytearray(_stored(piece))
    raw[-1] ^= 1
    default_storage.delete(piece.storage_name)
    default_storage.save(piece.storage_name, ContentFile(bytes(raw)))
    with pytest.raises(crypto.PieceUnreadable):
        piece_read(actor=SYSTEM, piece=piece)
