#!/usr/bin/env python3
"""Writes a synthetic FINESS extract in the real layout (metadata line, then `structureet` records
of 32 fields, each followed by its `geolocalisation` record, as the public file interleaves them).

    gen_finess.py SITES > extract.csv

Numbers are valid (Luhn key); departments cycle over metropolitan France, so a region filter
selects a realistic share. Deterministic for a given SITES."""
import random
import sys

DEPARTMENTS = [f"{d:02d}" for d in range(1, 96) if d != 20] + ["2A", "2B"]
CATEGORIES = [
    ("355", "Centre Hospitalier (C.H.)", "1102", "Centres Hospitaliers", "1"),
    ("365", "Etablissement de Soins Pluridisciplinaire", "1106", "Autres Etablissements de Soins", "0"),
    ("500", "Etablissement d'hébergement pour personnes âgées dépendantes", "4401", "Etablissements d'Hébergement pour Personnes Âgées", ""),
    ("611", "Laboratoire de Biologie Médicale", "2206", "Laboratoires", ""),
    ("183", "Institut Médico-Educatif (I.M.E.)", "4103", "Etablissements pour Enfants Handicapés", ""),
]
NAMES = ["SAINT-JOSEPH", "LES TILLEULS", "PASTEUR", "DU PARC", "LA ROSERAIE", "SAINTE-MARIE", "DES LILAS",
         "JEAN JAURES", "VICTOR HUGO", "DU LAC", "LES GLYCINES", "BEL AIR", "DU CHATEAU", "LES PINS"]


def luhn_key(payload: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(payload)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def number(dep: str, seq: int) -> str:
    payload = f"{dep}0{seq:05d}"
    # Corsica: the key is computed with 2A -> 21, 2B -> 22 (vigie_domain::finess).
    digits = payload.replace("2A", "21").replace("2B", "22")
    return payload + luhn_key(digits)


def main() -> None:
    n = int(sys.argv[1])
    rnd = random.Random(n)
    out = sys.stdout
    out.write("finess;etalab;111;2026-05-12\n")
    for i in range(n):
        dep = DEPARTMENTS[i % len(DEPARTMENTS)]
        seq = 10 + (i // len(DEPARTMENTS)) * 2
        et, ej = number(dep, seq), number(dep, seq + 1)
        cat, catl, agg, aggl, sph = CATEGORIES[rnd.randrange(len(CATEGORIES))]
        name = f"{catl.split(' (')[0].upper()[:24]} {NAMES[rnd.randrange(len(NAMES))]} {i}"
        fields = ["structureet", et, ej, name[:38], name, "", "", str(1 + i % 200), "RUE", "DE LA SANTE", "", "",
                  f"{i % 900 + 1:03d}", dep, f"DEPARTEMENT {dep}", f"{dep}000 COMMUNE {i % 97}",
                  "0199000000", "", cat, catl, agg, aggl, "", "8610Z", "03", "ARS", sph,
                  "Etablissement public de santé" if sph == "1" else "", "1990-01-01", "1990-01-01", "2026-01-15", ""]
        assert len(fields) == 32
        out.write(";".join(fields) + "\n")
        out.write(f"geolocalisation;{et};{600000 + i % 400000}.0;{6200000 + i % 900000}.0;1,ATLASANTE,96,BAN,EPSG:2154;2026-05-04\n")


if __name__ == "__main__":
    main()
