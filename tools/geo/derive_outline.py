"""Derive Denmark's outline from Natural Earth (via the npm package `world-atlas`) once, for vendoring.

Input: the npm tarball of world-atlas (TopoJSON of Natural Earth's Admin 0 countries, public
domain; the package itself is ISC). Output: `data/geo/denmark_outline.geojson`, one MultiPolygon
feature in lon/lat (WGS84), exterior rings counter-clockwise as RFC 7946 asks.

What it does, and why:
- decodes the TopoJSON itself (quantized, delta-encoded arcs; a negative arc index ~i is arc i
  reversed) so the project needs no GIS dependency;
- takes the geometry with ISO 3166-1 numeric id 208 (Denmark). Natural Earth gives the Faroe
  Islands (234) and Greenland (304) ids of their own, so they are not in it; as a guard, any
  polygon outside Denmark's own box (lon 7.5-15.5, lat 54.4-58) is refused, not dropped;
- optionally simplifies each ring (Douglas-Peucker in a plane where a degree of longitude is
  cos(56 deg) of a degree of latitude); the 1:10m file is already small, so the default is none;
- rounds to 4 decimals (about 10 m; the 1:10m TopoJSON is quantized to about 200 m anyway).

Regenerate (data/geo/README.md gives the checksum the tarball must have):

    cd "$(mktemp -d)" && npm pack world-atlas@2.0.2
    .venv/bin/python tools/geo/derive_outline.py --tarball <that dir>/world-atlas-2.0.2.tgz

The output is byte-identical for the same tarball and options (sorted keys, fixed separators).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys
import tarfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "data" / "geo" / "denmark_outline.geojson"
MEMBER = "package/countries-10m.json"
ISO_N3 = "208"
# Denmark proper (Jutland, the islands, Bornholm); the Faroes and Greenland are far outside.
BOX = (7.5, 54.4, 15.5, 58.0)
COS56 = math.cos(math.radians(56.0))
DECIMALS = 4
MAX_BYTES = 300_000


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_topology(tarball: Path, member: str = MEMBER) -> dict:
    """The TopoJSON `member` inside the npm tarball."""
    with tarfile.open(tarball, "r:gz") as tar:
        try:
            handle = tar.extractfile(member)
        except KeyError:
            raise SystemExit(f"{tarball}: no member '{member}' (expected world-atlas's layout)") from None
        return json.load(handle)


def decode_arcs(topology: dict) -> list[list[tuple[float, float]]]:
    """Every arc as absolute lon/lat positions (quantized arcs are delta-encoded)."""
    transform = topology.get("transform")
    arcs = []
    for arc in topology["arcs"]:
        if transform is None:
            arcs.append([(float(x), float(y)) for x, y, *_ in arc])
            continue
        (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
        x = y = 0
        points = []
        for dx, dy, *_ in arc:
            x += dx
            y += dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def ring(indices: list[int], arcs: list[list[tuple[float, float]]]) -> list[tuple[float, float]]:
    """A closed ring from its arc indices; consecutive arcs share their joining point."""
    points: list[tuple[float, float]] = []
    for k, i in enumerate(indices):
        arc = arcs[i] if i >= 0 else arcs[~i][::-1]
        points.extend(arc if k == 0 else arc[1:])
    return points


def polygons_of(topology: dict, iso_n3: str) -> list[list[list[tuple[float, float]]]]:
    """The polygons (each a list of rings, exterior first) of the country with id `iso_n3`."""
    found = [g for g in topology["objects"]["countries"]["geometries"] if str(g.get("id")) == iso_n3]
    if len(found) != 1:
        raise SystemExit(f"objects.countries: expected one geometry with id {iso_n3}, found {len(found)}")
    geometry = found[0]
    arcs = decode_arcs(topology)
    parts = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
    return [[ring(r, arcs) for r in polygon] for polygon in parts]


def signed_area(points: list[tuple[float, float]]) -> float:
    """Shoelace area in the cos(56)-scaled plane; positive when counter-clockwise."""
    return 0.5 * sum(COS56 * (x0 * y1 - x1 * y0) for (x0, y0), (x1, y1) in zip(points, points[1:] + points[:1],
                                                                                strict=True))


def simplify(points: list[tuple[float, float]], tolerance: float) -> list[tuple[float, float]]:
    """Douglas-Peucker on a closed ring (first point == last), distances in the cos(56)-scaled
    plane in degrees of latitude; iterative, so long rings do not hit the recursion limit."""
    if tolerance <= 0 or len(points) < 5:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    # split a closed ring at its farthest point from the start, so both halves are open lines
    far = max(range(len(points)), key=lambda i: math.hypot(COS56 * (points[i][0] - points[0][0]),
                                                            points[i][1] - points[0][1]))
    keep[far] = True
    stack = [(0, far), (far, len(points) - 1)]
    while stack:
        a, b = stack.pop()
        (xa, ya), (xb, yb) = points[a], points[b]
        dx, dy = COS56 * (xb - xa), yb - ya
        norm = math.hypot(dx, dy)
        best, index = -1.0, -1
        for i in range(a + 1, b):
            px, py = COS56 * (points[i][0] - xa), points[i][1] - ya
            d = abs(dx * py - dy * px) / norm if norm else math.hypot(px, py)
            if d > best:
                best, index = d, i
        if index >= 0 and best > tolerance:
            keep[index] = True
            stack += [(a, index), (index, b)]
    return [p for p, k in zip(points, keep, strict=True) if k]


def outline(tarball: Path, tolerance: float = 0.0) -> dict:
    """The Denmark outline as a GeoJSON FeatureCollection (one MultiPolygon feature)."""
    topology = read_topology(tarball)
    polygons = []
    for polygon in polygons_of(topology, ISO_N3):
        xs = [x for x, _ in polygon[0]]
        ys = [y for _, y in polygon[0]]
        if min(xs) < BOX[0] or min(ys) < BOX[1] or max(xs) > BOX[2] or max(ys) > BOX[3]:
            raise SystemExit(f"id {ISO_N3}: a polygon at lon {min(xs):.2f}-{max(xs):.2f}, lat {min(ys):.2f}-"
                             f"{max(ys):.2f} lies outside Denmark's box {BOX}; check the input")
        rings = []
        for k, points in enumerate(polygon):
            points = [(round(x, DECIMALS), round(y, DECIMALS)) for x, y in simplify(points, tolerance)]
            points = [p for i, p in enumerate(points) if i == 0 or p != points[i - 1]]
            if points[0] != points[-1]:
                points.append(points[0])
            if len(points) < 4:
                continue        # a ring simplified to nothing
            # RFC 7946: exterior rings counter-clockwise, holes clockwise
            if (signed_area(points[:-1]) > 0) != (k == 0):
                points = points[::-1]
            rings.append([list(p) for p in points])
        if rings:
            polygons.append(rings)
    # largest first (Jutland), so the file reads in a stable, meaningful order
    polygons.sort(key=lambda rings: -abs(signed_area([tuple(p) for p in rings[0][:-1]])))
    xs = [p[0] for poly in polygons for r in poly for p in r]
    ys = [p[1] for poly in polygons for r in poly for p in r]
    return {
        "type": "FeatureCollection",
        "bbox": [min(xs), min(ys), max(xs), max(ys)],
        "features": [{
            "type": "Feature",
            "properties": {"name": "Danmark", "iso_n3": ISO_N3, "source": "Natural Earth 1:10m Admin 0 "
                           "countries, v4.1.0, via npm world-atlas 2.0.2 (countries-10m.json)",
                           "licence": "Natural Earth: public domain; world-atlas: ISC",
                           "simplify_tolerance_deg": tolerance, "polygons": len(polygons),
                           "points": sum(len(r) for poly in polygons for r in poly)},
            "geometry": {"type": "MultiPolygon", "coordinates": polygons},
        }],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tarball", type=Path, required=True, help="world-atlas-<version>.tgz from `npm pack`")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--tolerance", type=float, default=0.0,
                        help="Douglas-Peucker tolerance in degrees of latitude (0: no simplification)")
    args = parser.parse_args(argv)
    text = json.dumps(outline(args.tarball, args.tolerance), sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False) + "\n"
    if len(text.encode()) > MAX_BYTES:
        print(f"{args.out}: {len(text.encode())} bytes is over {MAX_BYTES}; raise --tolerance", file=sys.stderr)
        return 1
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    props = json.loads(text)["features"][0]["properties"]
    print(f"input  {args.tarball.name} sha256 {sha256(args.tarball)}")
    print(f"output {args.out} ({len(text.encode())} bytes, {props['polygons']} polygons, {props['points']} points)"
          f" sha256 {sha256(args.out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
