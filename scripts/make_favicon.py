"""Draw webapp/web/static/favicon.ico (16, 32 and 48 px) as favicon.svg beside it draws it: a white house with a
yellow heart on the site's blue. Run once when the icon changes: ``.venv/bin/python scripts/make_favicon.py``
(Pillow comes with WeasyPrint); the .ico is committed."""
from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

OUT = Path(__file__).resolve().parent.parent / "webapp" / "web" / "static" / "favicon.ico"
SCALE = 16  # drawn at 64 × 16 px and scaled down: smooth edges
Point = tuple[float, float]


def _bezier(p0: Point, p1: Point, p2: Point, p3: Point, steps: int = 24) -> list[Point]:
    """Points along one cubic Bézier curve, as in the SVG path."""
    out = []
    for i in range(1, steps + 1):
        t = i / steps
        u = 1 - t
        out.append(tuple(u**3 * a + 3 * u * u * t * b + 3 * u * t * t * c + t**3 * d
                         for a, b, c, d in zip(p0, p1, p2, p3, strict=True)))
    return out


def draw() -> Image.Image:
    """The icon at 64 px, in the SVG's coordinates."""
    size = 64 * SCALE
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    s = lambda points: [(x * SCALE, y * SCALE) for x, y in points]  # noqa: E731
    pen.rounded_rectangle((0, 0, size - 1, size - 1), radius=12 * SCALE, fill="#0b5394")
    pen.polygon(s([(32, 9), (7, 30), (15, 30), (15, 55), (49, 55), (49, 30), (57, 30)]), fill="#ffffff")
    heart = [(32, 48)]
    for curve in (((20, 40), (20, 31), (26, 30.5)), ((29, 30.3), (31, 32), (32, 34)),
                  ((33, 32), (35, 30.3), (38, 30.5)), ((44, 31), (44, 40), (32, 48))):
        heart += _bezier(heart[-1], *curve)
    pen.polygon(s(heart), fill="#f1c232")
    return image.resize((64, 64), Image.LANCZOS)


if __name__ == "__main__":
    draw().save(OUT, format="ICO", sizes=[(16, 16), (32, 32), (48, 48)])
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")
