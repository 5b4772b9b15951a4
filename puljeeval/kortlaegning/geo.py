"""The vendored geography of the mapping's maps: Denmark's outline and its 98 municipalities as
points (data/geo/, with its README giving sources, licences and checks), and the plane they are
drawn in.

`load_outline` reads data/geo/denmark_outline.geojson (Natural Earth 1:10m via world-atlas,
derived by tools/geo/derive_outline.py) into polygons of lon/lat rings. `load_kommuner` reads
data/geo/kommuner.csv (code, name, region, lon, lat, source) and checks every cell; a bad cell
raises `GeoError` naming the file, the row, the column and what was expected. Nothing here
touches the network.

`project` maps lon/lat to the drawing plane: a degree of longitude is cos(56 deg) of a degree of
latitude (true shapes and distances at Denmark's middle latitude; east-west scale within 5 % of
true over the country), with Bornholm moved into an inset north-east of Zealand (the Kattegat,
empty on a map of Denmark alone), as Danish maps usually draw it.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.path import Path as MplPath

REPO = Path(__file__).resolve().parents[2]
GEO = REPO / "data" / "geo"
OUTLINE = GEO / "denmark_outline.geojson"
KOMMUNER = GEO / "kommuner.csv"

KOMMUNER_COLUMNS = ["code", "name", "region", "lon", "lat", "source"]
REGIONS = ("Region Hovedstaden", "Region Midtjylland", "Region Nordjylland", "Region Sjælland", "Region Syddanmark")
SOURCES = ("kommune_point", "city_point")
N_MUNICIPALITIES = 98
# Denmark proper (Jutland, the islands, Bornholm), lon/lat.
BOX = (7.5, 54.4, 15.5, 58.0)
EARTH_RADIUS_KM = 6371.0
KM_PER_DEG = math.pi * EARTH_RADIUS_KM / 180

LAT0 = 56.0
COS_LAT0 = math.cos(math.radians(LAT0))
# Bornholm (lon/lat box) and the shift (degrees) that puts it in the inset NE of Zealand.
BORNHOLM = (14.5, 54.9, 15.3, 55.4)
BORNHOLM_SHIFT = (-2.45, 1.85)


class GeoError(ValueError):
    """A vendored geography file that does not hold what it should."""


@dataclass(frozen=True)
class Outline:
    """Denmark's polygons, each a list of (n, 2) lon/lat rings, the exterior first."""

    polygons: tuple[tuple[np.ndarray, ...], ...]
    bbox: tuple[float, float, float, float]

    def contains(self, lon: Sequence[float], lat: Sequence[float]) -> np.ndarray:
        """Whether each point lies on land (inside an exterior ring and no hole of it)."""
        points = np.column_stack([np.asarray(lon, float), np.asarray(lat, float)])
        inside = np.zeros(len(points), bool)
        for rings in self.polygons:
            hit = MplPath(rings[0]).contains_points(points)
            for hole in rings[1:]:
                hit &= ~MplPath(hole).contains_points(points)
            inside |= hit
        return inside

    def distance_km(self, lon: Sequence[float], lat: Sequence[float]) -> np.ndarray:
        """Each point's distance to land in km: 0 inside, else to the nearest coast segment
        (in the cos(56 deg) plane, close enough at a few km)."""
        lon, lat = np.asarray(lon, float), np.asarray(lat, float)
        px, py = lon * COS_LAT0, lat
        best = np.full(len(lon), np.inf)
        for rings in self.polygons:
            for r in rings:
                ax, ay = r[:-1, 0] * COS_LAT0, r[:-1, 1]
                dx, dy = r[1:, 0] * COS_LAT0 - ax, r[1:, 1] - ay
                length2 = np.where(dx * dx + dy * dy == 0, 1.0, dx * dx + dy * dy)
                t = np.clip(((px[:, None] - ax) * dx + (py[:, None] - ay) * dy) / length2, 0, 1)
                d = np.hypot(px[:, None] - ax - t * dx, py[:, None] - ay - t * dy).min(axis=1)
                best = np.minimum(best, d)
        return np.where(self.contains(lon, lat), 0.0, best * KM_PER_DEG)


def _ring(coords: object, where: str) -> np.ndarray:
    try:
        ring = np.asarray(coords, float)
    except (TypeError, ValueError):
        raise GeoError(f"{where}: expected a list of [lon, lat] positions") from None
    if ring.ndim != 2 or ring.shape[1] != 2 or len(ring) < 4 or not np.array_equal(ring[0], ring[-1]):
        raise GeoError(f"{where}: expected a closed ring of at least 4 [lon, lat] positions")
    if not np.isfinite(ring).all():
        raise GeoError(f"{where}: positions must be finite numbers")
    return ring


def load_outline(path: str | Path = OUTLINE) -> Outline:
    """The outline's polygons from a GeoJSON FeatureCollection of Polygon/MultiPolygon features."""
    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        raise GeoError(f"{path}: cannot read it as JSON ({err})") from None
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection" or not doc.get("features"):
        raise GeoError(f"{path}: expected a GeoJSON FeatureCollection with at least one feature")
    polygons = []
    for i, feature in enumerate(doc["features"]):
        geometry = (feature or {}).get("geometry") or {}
        kind, coords = geometry.get("type"), geometry.get("coordinates")
        if kind not in ("Polygon", "MultiPolygon") or not isinstance(coords, list):
            raise GeoError(f"{path}: feature {i}: expected a Polygon or MultiPolygon geometry, got {kind!r}")
        for j, polygon in enumerate(coords if kind == "MultiPolygon" else [coords]):
            if not isinstance(polygon, list) or not polygon:
                raise GeoError(f"{path}: feature {i}, polygon {j}: expected a list of rings")
            polygons.append(tuple(_ring(r, f"{path}: feature {i}, polygon {j}, ring {k}")
                                  for k, r in enumerate(polygon)))
    every = np.vstack([r for rings in polygons for r in rings])
    bbox = (float(every[:, 0].min()), float(every[:, 1].min()), float(every[:, 0].max()), float(every[:, 1].max()))
    if bbox[0] < BOX[0] or bbox[1] < BOX[1] or bbox[2] > BOX[2] or bbox[3] > BOX[3]:
        raise GeoError(f"{path}: positions span lon {bbox[0]}-{bbox[2]}, lat {bbox[1]}-{bbox[3]}; expected Denmark "
                       f"proper within lon {BOX[0]}-{BOX[2]}, lat {BOX[1]}-{BOX[3]} (no Faroes, no Greenland)")
    return Outline(tuple(polygons), bbox)


def _number(text: str, where: str, low: float, high: float) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not low <= value <= high:
        raise GeoError(f"{where}: expected a number between {low} and {high}, got {text!r}")
    return value


def load_kommuner(path: str | Path = KOMMUNER) -> pd.DataFrame:
    """The 98 municipalities indexed by their 3-digit code (int `code`), with name, region, lon,
    lat and source; every cell checked (row numbers count data rows from 1, the header is line 1)."""
    path = Path(path)
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            header = reader.fieldnames or []
            rows = list(reader)
    except (OSError, UnicodeDecodeError) as err:
        raise GeoError(f"{path}: cannot read it as UTF-8 CSV ({err})") from None
    if header != KOMMUNER_COLUMNS:
        raise GeoError(f"{path}: expected the columns {KOMMUNER_COLUMNS}, got {header}")
    records, seen = [], {}
    for n, row in enumerate(rows, start=1):
        where = f"{path}, row {n} (line {n + 1})"
        if None in row or any(v is None for v in row.values()):
            raise GeoError(f"{where}: expected {len(KOMMUNER_COLUMNS)} cells")
        code = row["code"].strip()
        if not (code.isdigit() and len(code) == 3 and 101 <= int(code) <= 999):
            raise GeoError(f"{where}, column 'code': expected a 3-digit municipality code (101-999), got {code!r}")
        if code in seen:
            raise GeoError(f"{where}, column 'code': code {code} is also in row {seen[code]}")
        seen[code] = n
        if not row["name"].strip():
            raise GeoError(f"{where}, column 'name': expected the municipality's name, got nothing")
        if row["region"] not in REGIONS:
            raise GeoError(f"{where}, column 'region': expected one of {list(REGIONS)}, got {row['region']!r}")
        if row["source"] not in SOURCES:
            raise GeoError(f"{where}, column 'source': expected one of {list(SOURCES)}, got {row['source']!r}")
        records.append({"code": int(code), "name": row["name"].strip(), "region": row["region"],
                        "lon": _number(row["lon"], f"{where}, column 'lon'", BOX[0], BOX[2]),
                        "lat": _number(row["lat"], f"{where}, column 'lat'", BOX[1], BOX[3]),
                        "source": row["source"]})
    if len(records) != N_MUNICIPALITIES:
        raise GeoError(f"{path}: expected {N_MUNICIPALITIES} municipalities, got {len(records)}")
    return pd.DataFrame.from_records(records, columns=KOMMUNER_COLUMNS).set_index("code")


def in_bornholm(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Whether each position is on Bornholm (drawn in the inset)."""
    return (lon >= BORNHOLM[0]) & (lon <= BORNHOLM[2]) & (lat >= BORNHOLM[1]) & (lat <= BORNHOLM[3])


def project(lon: Sequence[float], lat: Sequence[float], inset: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Drawing-plane x, y of lon/lat positions (x = lon * cos 56 deg, y = lat; Bornholm shifted into
    its inset unless `inset` is False)."""
    lon, lat = np.asarray(lon, float).copy(), np.asarray(lat, float).copy()
    if inset:
        moved = in_bornholm(lon, lat)
        lon[moved] += BORNHOLM_SHIFT[0]
        lat[moved] += BORNHOLM_SHIFT[1]
    return lon * COS_LAT0, lat


def inset_frame(outline: Outline, margin: float = 0.06) -> tuple[float, float, float, float]:
    """The inset's frame in the drawing plane (x0, y0, x1, y1): the box of Bornholm's polygons
    as drawn, with `margin` (degrees of latitude) around it."""
    rings = [r for rings in outline.polygons for r in rings if in_bornholm(r[:, 0], r[:, 1]).all()]
    if not rings:
        raise GeoError("the outline has no polygon on Bornholm (lon 14.5-15.3, lat 54.9-55.4)")
    x, y = project(np.vstack(rings)[:, 0], np.vstack(rings)[:, 1])
    return float(x.min() - margin), float(y.min() - margin), float(x.max() + margin), float(y.max() + margin)
