import io

import pytest
from PIL import Image

OULLINS = (45.7140, 4.8070)


def jpeg_bytes(size=(64, 48), gps=None) -> bytes:
    image = Image.new("RGB", size, (120, 90, 60))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # camera make: must be stripped
    if gps is not None:
        lat, lon = gps

        def dms(value):
            d = int(value)
            m = int((value - d) * 60)
            s = round(((value - d) * 60 - m) * 60, 4)
            return (float(d), float(m), float(s))

        exif[0x8825] = {1: "N", 2: dms(lat), 3: "E", 4: dms(lon)}
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


@pytest.fixture
def photo():
    return ("nid.jpg", jpeg_bytes())


@pytest.fixture
def users(demo):
    from guichet.accounts.models import User

    return {u.email.split("@")[0]: u for u in User.objects.all()}
