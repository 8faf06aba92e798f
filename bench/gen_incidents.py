#!/usr/bin/env python3
"""Writes 100,000 synthetic submitted incidents for the queue benchmark as CSV (header line), over
the structure ids given on standard input (one a line).

    gen_incidents.py COUNT NOW < ids > incidents.csv

A year and a bit of cases: 70 % closed, the rest open in every status (submitted, triaged, in
progress, contained); one open incident in 12 has a deadline already past (overdue), 3 % are
TLP:RED. Deterministic for a given COUNT and NOW."""
import csv
import random
import sys

count, now = int(sys.argv[1]), int(sys.argv[2])
ids = [int(l) for l in sys.stdin if l.strip()]
random.seed(14)
TYPES = ["ransomware", "phishing", "account_compromise", "data_leak", "denial_of_service",
         "infrastructure_failure", "telecom_loss", "clinical_software_failure", "undetermined"]
SEVERITIES = [(None, 0), ("low", 1), ("medium", 2), ("high", 3), ("critical", 4)]
OPEN = ["submitted", "triaged", "in_progress", "contained"]
cols = ["uuid", "structure_id", "status", "title", "description", "declarant_email", "detected_at",
        "declared_at", "state", "origin", "incident_type", "care_impact", "tlp", "pap", "severity",
        "severity_rank", "major", "next_deadline", "triaged_at", "closed_at", "created_at", "updated_at"]
w = csv.writer(sys.stdout, lineterminator="\n")
w.writerow(cols)
for n in range(count):
    declared = now - random.randint(60, 400 * 86400)
    detected = declared - random.randint(0, 2 * 86400)
    closed = random.random() < 0.7
    status = "closed" if closed else random.choice(OPEN)
    sev, rank = random.choice(SEVERITIES) if status != "submitted" else (None, 0)
    if closed:
        deadline = None
    elif random.random() < 1 / 12:
        deadline = now - random.randint(3600, 30 * 86400)
    else:
        deadline = now + random.randint(3600, 30 * 86400)
    tlp = "red" if random.random() < 0.03 else random.choice(["amber", "amber", "green", "clear"])
    w.writerow([
        "00000000-0000-4000-8000-%012x" % n, random.choice(ids), status,
        "Incident de synthèse %d" % n, "Incident synthétique pour la mesure", "rssi@structure.example", detected, declared,
        "closed" if closed else "ongoing", "malicious", random.choice(TYPES), "none", tlp, "amber",
        sev or "", rank, 1 if rank == 4 else 0, deadline if deadline is not None else "",
        declared + 3600 if status != "submitted" else "", declared + 20 * 86400 if closed else "",
        declared, declared,
    ])
