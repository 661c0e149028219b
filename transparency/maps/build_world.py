"""Build transparency/maps/world-110m.json (country outlines as SVG path data) from npm world-atlas.

    npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz
    .venv/bin/python transparency/maps/build_world.py package/countries-110m.json

world-atlas 2.0.2 (ISC licence, LICENSE-world-atlas.txt here) is Natural Earth's 1:110m admin-0
countries (public domain) as TopoJSON. This script decodes the TopoJSON arcs, projects them with the
Equal Earth projection (Šavrič, Patterson & Jenny 2018) and writes one SVG path per ISO 3166-1
alpha-2 code, rounded to 0.1 unit in an 800-unit-wide drawing. Antarctica is left out.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

from django_countries import countries

WIDTH = 800
A1, A2, A3, A4 = 1.340264, -0.081106, 0.000893, 0.003796
M = math.sqrt(3) / 2


def equal_earth(lon: float, lat: float) -> tuple[float, float]:
    lam, phi = math.radians(lon), math.radians(lat)
    t = math.asin(M * math.sin(phi))
    t2, t6 = t * t, t**6
    x = lam * math.cos(t) / (M * (A1 + 3 * A2 * t2 + t6 * (7 * A3 + 9 * A4 * t2)))
    y = t * (A1 + A2 * t2 + t6 * (A3 + A4 * t2))
    return x, y


def decode_arcs(topo: dict) -> list[list[tuple[float, float]]]:
    sx, sy = topo["transform"]["scale"]
    tx, ty = topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        x = y = 0
        pts = []
        for dx, dy in arc:  # delta-encoded, quantised
            x += dx
            y += dy
            pts.append((x * sx + tx, y * sy + ty))
        arcs.append(pts)
    return arcs


def ring(arcs, indexes: list[int]) -> list[tuple[float, float]]:
    pts: list[tuple[float, float]] = []
    for i in indexes:
        arc = arcs[i] if i >= 0 else list(reversed(arcs[~i]))
        pts.extend(arc if not pts else arc[1:])
    return pts


def main(src: str) -> None:
    topo = json.loads(Path(src).read_text())
    arcs = decode_arcs(topo)
    x_max = equal_earth(180, 0)[0]
    y_max = equal_earth(0, 90)[1]
    scale = WIDTH / (2 * x_max)
    y_top = equal_earth(0, 84)[1]
    y_bottom = equal_earth(0, -56)[1]  # south of Tierra del Fuego; Antarctica is dropped
    height = round((y_top - y_bottom) * scale, 1)
    paths: dict[str, str] = {}
    for geom in topo["objects"]["countries"]["geometries"]:
        num = geom.get("id")
        if not num or num == "010":
            continue
        code = countries.alpha2(int(num))
        if not code:
            continue
        polys = geom["arcs"] if geom["type"] == "MultiPolygon" else [geom["arcs"]]
        d = []
        for poly in polys:
            for r in poly:
                lonlat = ring(arcs, r)
                if any(abs(a[0] - b[0]) > 180 for a, b in zip(lonlat, lonlat[1:], strict=False)):
                    # A ring across the antimeridian (Fiji, Chukotka): draw it on the eastern edge.
                    lonlat = [(min(180.0, lon + 360 if lon < 0 else lon), lat) for lon, lat in lonlat]
                pts = [equal_earth(lon, lat) for lon, lat in lonlat]
                coords = [f"{(x + x_max) * scale:.1f},{(y_top - y) * scale:.1f}" for x, y in pts]
                d.append("M" + "L".join(coords) + "Z")
        paths[code] = paths.get(code, "") + "".join(d)
    out = Path(__file__).with_name("world-110m.json")
    doc = {
        "source": "world-atlas 2.0.2 countries-110m.json (Natural Earth 1:110m, public domain; ISC, see LICENSE-world-atlas.txt)",
        "projection": "Equal Earth",
        "width": WIDTH,
        "height": height,
        "y_max": y_max,
        "paths": dict(sorted(paths.items())),
    }
    out.write_text(json.dumps(doc, separators=(",", ":")))
    print(f"{len(paths)} countries, {out.stat().st_size:,} bytes -> {out}")


if __name__ == "__main__":
    import os

    import django

    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    django.setup()
    main(sys.argv[1])
