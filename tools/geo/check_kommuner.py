"""Check data/geo/kommuner.csv against independent sources and against the outline, and print
what agrees and what differs (the result is recorded in data/geo/README.md).

Sources (each optional; pass the ones you have):
- `--dk-core FILE`: HL7 Denmark's DK Core FHIR code system `dk-core-municipality-codes`
  (input/fsh/codeSystems.fsh of github.com/hl7dk/dk-core), which takes its codes and names from
  Danmarks Adresser's kommunekodeliste: codes and names.
- `--localflavor WHEEL`: the PyPI wheel of django-localflavor (localflavor/dk/dk_municipalities.py):
  names grouped by region (no codes). `pip download --no-deps -d DIR django-localflavor==5.1`.
- `--csc FILE`: the countries-states-cities points the digest cites (VannaDii/pub-dev,
  geography/lib/src/countries/denmark_cities.dart): the points themselves.
And always: every point inside, or within `--max-km` of, the vendored outline.

    .venv/bin/python tools/geo/check_kommuner.py --dk-core codeSystems.fsh \
        --localflavor django_localflavor-5.1-py3-none-any.whl --csc denmark_cities.dart

Exit status 1 when a code is missing or extra, a region differs, or a point is too far from land;
name spellings that differ are reported, not failed (sources spell a few names differently).
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from puljeeval.kortlaegning import geo  # noqa: E402

CHRISTIANSOE = 411      # Ertholmene: outside the municipal division, not one of the 98
# How the countries-states-cities file spells four "<name> Kommune" points.
CSC_SPELLINGS = {"Lyngby-Taarbæk": "Lyngby-Tårbæk", "Vesthimmerlands": "Vesthimmerland", "Læsø": "Læso",
                 "Aalborg": "Ålborg"}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def dk_core(path: Path) -> dict[int, str]:
    """code -> name of the CodeSystem `dk-core-municipality-codes` in a FSH file."""
    text = path.read_text(encoding="utf-8")
    start = text.find("Id: dk-core-municipality-codes\n")
    if start < 0:
        raise SystemExit(f"{path}: no CodeSystem with Id dk-core-municipality-codes")
    block = text[start:text.find("\nCodeSystem:", start)]
    return {int(code): name for code, name in re.findall(r'^\* #(\d{4}) "([^"]+)"', block, flags=re.M)}


def localflavor(wheel: Path) -> dict[str, str]:
    """name -> region of django-localflavor's Danish municipalities."""
    with zipfile.ZipFile(wheel) as z:
        text = z.read("localflavor/dk/dk_municipalities.py").decode("utf-8")
    regions = dict(re.findall(r"\(_\('(Region [^']+)'\), (REGION_\w+)\)", text))
    out = {}
    for region, constant in regions.items():
        block = re.search(rf"^{constant} = \[(.*?)^\]", text, flags=re.M | re.S)
        for name in re.findall(r"_\('([^']+)'\)", block.group(1)):
            out[name] = region
    return out


def csc_points(path: Path) -> dict[str, tuple[float, float]]:
    """name -> (lon, lat) of every place in the Dart file."""
    text = path.read_text(encoding="utf-8")
    found = re.findall(r'name: "([^"]+)",\s*longitude: ([-\d.]+),\s*latitude: ([-\d.]+)', text)
    return {name: (float(lon), float(lat)) for name, lon, lat in found}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kommuner", type=Path, default=geo.KOMMUNER)
    parser.add_argument("--outline", type=Path, default=geo.OUTLINE)
    parser.add_argument("--dk-core", type=Path)
    parser.add_argument("--localflavor", type=Path)
    parser.add_argument("--csc", type=Path)
    parser.add_argument("--max-km", type=float, default=3.0)
    args = parser.parse_args(argv)
    ours = geo.load_kommuner(args.kommuner)
    failed = False
    print(f"{args.kommuner}: {len(ours)} municipalities, {ours.index.nunique()} unique codes")

    if args.dk_core:
        theirs = dk_core(args.dk_core)
        print(f"\nDK Core ({args.dk_core.name}, sha256 {sha256(args.dk_core)}): {len(theirs)} codes")
        extra = sorted(set(theirs) - set(ours.index) - {CHRISTIANSOE})
        missing = sorted(set(ours.index) - set(theirs))
        print(f"  codes only there (besides {CHRISTIANSOE} {theirs.get(CHRISTIANSOE)}): {extra or 'none'}")
        print(f"  codes only here: {missing or 'none'}")
        failed |= bool(extra or missing)
        names = [(c, ours.at[c, "name"], theirs[c]) for c in ours.index
                 if c in theirs and ours.at[c, "name"] != theirs[c]]
        print(f"  names that differ: {names or 'none'}")

    if args.localflavor:
        theirs = localflavor(args.localflavor)
        print(f"\ndjango-localflavor ({args.localflavor.name}, sha256 {sha256(args.localflavor)}): {len(theirs)} names")
        only_here = sorted(set(ours["name"]) - set(theirs))
        only_there = sorted(set(theirs) - set(ours["name"]))
        print(f"  names only here: {only_here or 'none'}; only there: {only_there or 'none'}")
        regions = [(c, r.name, r.region, theirs[r.name]) for c, r in ours.iterrows()
                   if r.name in theirs and theirs[r.name] != r.region]
        print(f"  regions that differ: {regions or 'none'}")
        counts = ours["region"].value_counts().sort_index()
        print("  municipalities per region here: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
        failed |= bool(regions)

    if args.csc:
        points = csc_points(args.csc)
        print(f"\ncountries-states-cities ({args.csc.name}, sha256 {sha256(args.csc)}): {len(points)} places")
        kommune = {n.removesuffix(" Kommune").removesuffix(" Municipality"): p for n, p in points.items()
                   if n.endswith((" Kommune", " Municipality"))}
        same, other = 0, []
        for c, r in ours.iterrows():
            name = CSC_SPELLINGS.get(r["name"], r["name"])
            p = kommune.get(name) if r["source"] == "kommune_point" else points.get(name)
            if p is not None and abs(p[0] - r["lon"]) < 6e-5 and abs(p[1] - r["lat"]) < 6e-5:
                same += 1
            else:
                other.append((c, r["name"], r["source"], p))
        print(f"  points equal (to 4 decimals) under the same name or its spelling there: {same}; "
              f"not found or different: {other or 'none'}")

    outline = geo.load_outline(args.outline)
    inside = outline.contains(ours["lon"], ours["lat"])
    distance = outline.distance_km(ours["lon"], ours["lat"])
    print(f"\noutline ({args.outline.name}): {int(inside.sum())} points inside, {int((~inside).sum())} outside")
    for code, d in zip(ours.index[~inside], distance[~inside], strict=True):
        print(f"  {code} {ours.at[code, 'name']}: {d:.2f} km from land")
    far = distance > args.max_km
    if far.any():
        print(f"  more than {args.max_km} km from land: {list(ours.index[far])}")
        failed = True
    print("\nFAILED" if failed else "\nOK")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
