"""Seed media files into the configured storage for the backup/restore measure (idempotent).

    python bench/seed_media.py --files 3000

Files under ``bench-media/``, sizes like the platform's: 70 % photos (80-400 KB, JPEG header,
random body: incompressible, as real photos are), 20 % thumbnails (8-30 KB), 10 % PDF pieces
(40 KB - 1 MB), spread over 100 folders. Prints one JSON line (files, bytes, seconds).
"""

import argparse
import json
import os
import random
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guichet.settings")

import django  # noqa: E402

django.setup()

from django.core.files.base import ContentFile  # noqa: E402
from django.core.files.storage import default_storage  # noqa: E402

KINDS = [  # (share, prefix, suffix, magic, min, max)
    (0.7, "photo", "jpg", b"\xff\xd8\xff\xe0", 80_000, 400_000),
    (0.2, "thumb", "jpg", b"\xff\xd8\xff\xe0", 8_000, 30_000),
    (0.1, "piece", "pdf", b"%PDF-1.7\n", 40_000, 1_000_000),
]


def _kind(pick: float) -> tuple:
    for share, *kind in KINDS:
        if pick < share:
            return tuple(kind)
        pick -= share
    return tuple(KINDS[-1][1:])


def main() -> dict:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=3000)
    args = parser.parse_args()
    rng = random.Random(19)
    started = time.monotonic()
    written = total = 0
    for n in range(args.files):
        prefix, suffix, magic, low, high = _kind(rng.random())
        size = rng.randint(low, high)
        name = f"bench-media/{n % 100:02d}/{prefix}-{n}.{suffix}"
        total += size
        if default_storage.exists(name):
            continue
        default_storage.save(name, ContentFile(magic + os.urandom(size - len(magic))))
        written += 1
    return {
        "files": args.files,
        "written": written,
        "bytes": total,
        "seconds": round(time.monotonic() - started, 1),
    }


if __name__ == "__main__":
    print(json.dumps(main()))
