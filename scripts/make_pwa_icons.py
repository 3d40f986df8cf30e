"""Draws the installable app's icons once (the PNGs are committed): a white counter window
("guichet") on the brand blue. Run: .venv/bin/python scripts/make_pwa_icons.py"""

from pathlib import Path

from PIL import Image, ImageDraw

BRAND = (0, 69, 140)
WHITE = (255, 255, 255)
OUT = Path(__file__).resolve().parent.parent / "src/guichet/portal/static/portal"


def draw(size: int, *, maskable: bool) -> Image.Image:
    image = Image.new("RGBA", (size, size), BRAND + (255,) if maskable else (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    if not maskable:
        pen.rounded_rectangle((0, 0, size - 1, size - 1), radius=size // 6, fill=BRAND)
    # Maskable icons keep their drawing inside the central 80 % safe zone.
    unit = size * (0.6 if maskable else 0.72) / 10
    left = (size - 10 * unit) / 2
    top = (size - 10 * unit) / 2

    def box(x0, y0, x1, y1):
        return (left + x0 * unit, top + y0 * unit, left + x1 * unit, top + y1 * unit)

    pen.polygon([box(0, 3, 5, 0)[:2], box(5, 0, 5, 0)[:2], box(10, 3, 10, 3)[:2]], fill=WHITE)
    pen.rectangle(box(0.6, 3.4, 9.4, 4.2), fill=WHITE)  # the lintel
    pen.rectangle(box(1.2, 4.2, 2.4, 8.6), fill=WHITE)  # left pillar
    pen.rectangle(box(7.6, 4.2, 8.8, 8.6), fill=WHITE)  # right pillar
    pen.rectangle(box(3.2, 5.2, 6.8, 7.2), outline=WHITE, width=max(2, int(unit * 0.5)))
    pen.rectangle(box(0, 8.8, 10, 10), fill=WHITE)  # the counter
    return image


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for size in (192, 512):
        draw(size, maskable=False).save(OUT / f"pwa-icon-{size}.png", optimize=True)
        draw(size, maskable=True).save(OUT / f"pwa-icon-maskable-{size}.png", optimize=True)
    draw(180, maskable=True).convert("RGB").save(OUT / "pwa-apple-touch-icon.png", optimize=True)


if __name__ == "__main__":
    main()
