"""Media on S3-compatible object storage (MEDIA_STORAGE_URL): an attachment stored by one
server is in the bucket, not on the server's disk, and is served through the agent's door.
Against a real S3-compatible server (moto's), not a mock of the storage."""

import boto3
import pytest
from django.urls import reverse

from guichet.settings import _media_storage
from tests.conftest import login_with_second_factor
from tests.factories import pdf_bytes


@pytest.fixture
def s3_media(settings, tmp_path):
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="guichet",
        aws_secret_access_key="secret-guichet",
        region_name="us-east-1",
    )
    client.create_bucket(Bucket="guichet-media")
    storage = _media_storage(
        f"s3://guichet-media/tenant-a?endpoint_url={endpoint}&region_name=us-east-1"
        "&addressing_style=path"
    )
    storage["OPTIONS"] |= {"access_key": "guichet", "secret_key": "secret-guichet"}
    settings.STORAGES = {**settings.STORAGES, "default": storage}
    settings.MEDIA_ROOT = tmp_path / "local-media"
    yield client
    server.stop()


@pytest.mark.parametrize(
    ("url", "message"),
    [("https://bucket", "s3://bucket"), ("s3://", "s3://bucket"), ("file:///tmp/x", "s3://")],
)
def test_a_media_storage_url_of_the_wrong_shape_is_refused(url, message):
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match=message):
        _media_storage(url)


def test_an_attachment_goes_to_the_bucket_and_is_served_through_the_agents_door(
    s3_media, file_case, contact_data, client, place, with_mfa, settings
):
    from guichet.cases.attachments import attachment_store
    from guichet.core.uploads import check_upload

    content = pdf_bytes()
    case = file_case(commune=place.commune, data=contact_data)
    attachment = attachment_store(
        clean=check_upload(("plan.pdf", content)), case=case, field_key="piece"
    )
    keys = [o["Key"] for o in s3_media.list_objects_v2(Bucket="guichet-media")["Contents"]]
    # (the demo's own files are there too: the wallet's documents)
    assert [k for k in keys if k.startswith("tenant-a/cases/")] == [
        f"tenant-a/{attachment.file.name}"
    ]
    assert not (settings.MEDIA_ROOT.exists() and any(settings.MEDIA_ROOT.rglob("*.pdf")))

    login_with_second_factor(client, place.agent)
    response = client.get(reverse("cases_bo:attachment", args=[attachment.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content
