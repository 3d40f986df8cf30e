import pytest

from guichet.wallet import crypto

KEY_A = "q6Q0x1wF2mJq3r9Yb8c7d6e5f4g3h2i1j0k9l8m7n6o="


@pytest.fixture
def keys(settings):
    def use(*values):
        settings.WALLET_ENCRYPTION_KEYS = list(values)

    use(KEY_A)
    return use


def test_a_blob_is_not_the_content_and_decrypts_back(keys):
    blob = crypto.encrypt(b"%PDF-1.7 secret", associated=b"wallet:1")
    assert b"secret" not in blob and blob.startswith(crypto.MAGIC)
    assert crypto.decrypt(blob, associated=b"wallet:1") == b"%PDF-1.7 secret"


def test_rotation_new_key_first_old_key_still_decrypts(keys):
    old_blob = crypto.encrypt(b"content")
    new = crypto.new_key()
    keys(new, KEY_A)
    assert crypto.decrypt(old_blob) == b"content"
    assert crypto.needs_reencryption(old_blob)
    assert not crypto.needs_reencryption(crypto.encrypt(b"content"))


def test_fails_closed_without_the_key(keys):
    blob = crypto.encrypt(b"content")
    keys(crypto.new_key())  # the old key is lost
    with pytest.raises(crypto.Undecryptable):
        crypto.decrypt(blob)
    keys()
    with pytest.raises(crypto.KeyMissing):
        crypto.encrypt(b"content")
    with pytest.raises(crypto.Undecryptable):
        crypto.decrypt(blob)


def test_an_altered_blob_or_another_owner_does_not_decrypt(keys):
    blob = crypto.encrypt(b"content", associated=b"wallet:1")
    altered = blob[:-1] + bytes([blob[-1] ^ 1])
    with pytest.raises(crypto.Undecryptable):
        crypto.decrypt(altered, associated=b"wallet:1")
    with pytest.raises(crypto.Undecryptable):
        crypto.decrypt(blob, associated=b"wallet:2")


@pytest.mark.parametrize("bad", ["not base64!!", "c2hvcnQ="])
def test_a_malformed_key_is_refused(keys, bad):
    keys(bad)
    with pytest.raises(crypto.KeyMissing):
        crypto.encrypt(b"content")
