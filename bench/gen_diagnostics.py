#!/usr/bin/env python3
"""Writes a diagnostics history for every structure of a Vigie database, for bench/diagnostics.sh.

    gen_diagnostics.py sqlite PATH [PER_STRUCTURE]
    gen_diagnostics.py postgres URL [PER_STRUCTURE]

Each structure gets PER_STRUCTURE (default 10) finished diagnostics of the médico-social
questionnaire (version 2), 90 days apart, their theme scores (8 themes) and priority measures
(6), the newest one marked `latest` with the score of the one before, and 3 plan actions (some
overdue, some done). Scores follow a random walk upwards; measures are drawn from the
questionnaire's recommendations. Answers are not written (the dashboards read the stored
scores and measures only). Written straight into the tables (not through the store): this is
data for a benchmark, generated in seconds. Deterministic for a given database."""
import io
import random
import subprocess
import sys
import time

THEMES = ["governance", "backups", "accounts", "updates", "remote_access", "awareness", "incident", "providers"]
RECS = [
    ("rec-backup-setup", 1, "medium"), ("rec-backup-offline", 1, "medium"), ("rec-mfa", 1, "low"),
    ("rec-obsolete", 1, "high"), ("rec-updates", 1, "low"), ("rec-remote-secure", 1, "medium"),
    ("rec-incident-contacts", 1, "low"), ("rec-degraded", 1, "medium"), ("rec-gov-referent", 2, "low"),
    ("rec-backup-test", 2, "low"), ("rec-personal-accounts", 2, "medium"), ("rec-admin-rights", 2, "low"),
    ("rec-leavers", 2, "low"), ("rec-antivirus", 2, "low"), ("rec-awareness", 2, "low"),
    ("rec-hds", 2, "medium"), ("rec-provider-access", 2, "low"), ("rec-inventory", 3, "medium"),
    ("rec-passwords", 3, "low"), ("rec-wifi", 3, "medium"), ("rec-exercise", 3, "low"),
]
DAY = 86400


def rows(structures, per, now):
    rnd = random.Random(16)
    diags, themes, measures, actions = [], [], [], []
    did = 0
    aid = 0
    for sid in structures:
        score = rnd.randint(20, 160)
        prev = None
        for k in range(per):
            did += 1
            finished = now - (per - k) * 90 * DAY + rnd.randint(0, 30) * DAY
            latest = 1 if k == per - 1 else 0
            status = "signed_off" if k % 2 == 0 else "finished"
            diags.append((did, sid, "medico-social", 2, status, k % 3 == 0 and 1 or 0, "bench",
                          finished - 2 * DAY, finished, "bench", finished,
                          "bench" if status == "signed_off" else None,
                          finished if status == "signed_off" else None, "",
                          score, prev if latest else None, latest))
            for t in THEMES:
                themes.append((did, t, max(0, min(300, score + rnd.randint(-60, 60)))))
            picks = rnd.sample(RECS, 6)
            picks.sort(key=lambda r: r[1])
            for rank, (rec, prio, effort) in enumerate(picks, 1):
                measures.append((did, rank, rec, prio, effort, rnd.choice([0, 5, 10]), "q", latest))
            prev = score
            score = max(0, min(300, score + rnd.randint(-20, 45)))
        for j in range(3):
            aid += 1
            due = now + rnd.randint(-120, 90) * DAY
            st = rnd.choice(["todo", "todo", "in_progress", "done"])
            actions.append((aid, sid, f"Action {j + 1}", "", "Direction", due - due % DAY, st,
                            "fait" if st == "done" else "", "measure", did, RECS[j][0], 0, "",
                            now if st == "done" else None, "bench", now, now))
    return diags, themes, measures, actions


DIAG_COLS = ("id, structure_id, questionnaire_id, questionnaire_version, status, assisted, started_by, "
             "started_at, updated_at, finished_by, finished_at, signed_off_by, signed_off_at, sign_off_note, "
             "score_x100, previous_score_x100, latest")
THEME_COLS = "diagnostic_id, theme_id, score_x100"
MEASURE_COLS = "diagnostic_id, rank, recommendation_id, priority, effort, value_x10, question_id, latest"
ACTION_COLS = ("id, structure_id, title, detail, owner, due_on, status, evidence, source_kind, source_id, "
               "source_ref, auto_closed, closed_note, closed_at, created_by, created_at, updated_at")


def sqlite(path, per):
    import sqlite3
    db = sqlite3.connect(path)
    structures = [r[0] for r in db.execute("SELECT id FROM structures ORDER BY id")]
    data = rows(structures, per, int(time.time()))
    with db:
        for table, cols, rs in zip(
            ["diagnostics", "diagnostic_theme_scores", "diagnostic_measures", "plan_actions"],
            [DIAG_COLS, THEME_COLS, MEASURE_COLS, ACTION_COLS], data):
            marks = ", ".join("?" * len(cols.split(",")))
            db.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", rs)
    db.execute("ANALYZE")
    db.close()
    return len(structures), [len(r) for r in data]


def pg_copy(url, table, cols, rs):
    buf = io.StringIO()
    for r in rs:
        buf.write("\t".join("\\N" if v is None else str(v) for v in r))
        buf.write("\n")
    subprocess.run(["psql", url, "-qc", f"\\copy {table} ({cols}) FROM STDIN"],
                   input=buf.getvalue().encode(), check=True)


def postgres(url, per):
    out = subprocess.run(["psql", url, "-Atc", "SELECT id FROM structures ORDER BY id"],
                         capture_output=True, check=True).stdout.decode()
    structures = [int(x) for x in out.split()]
    data = rows(structures, per, int(time.time()))
    for table, cols, rs in zip(
        ["diagnostics", "diagnostic_theme_scores", "diagnostic_measures", "plan_actions"],
        [DIAG_COLS, THEME_COLS, MEASURE_COLS, ACTION_COLS], data):
        pg_copy(url, table, cols, rs)
    subprocess.run(["psql", url, "-qc",
                    "SELECT setval('diagnostics_id_seq', (SELECT MAX(id) FROM diagnostics)); "
                    "SELECT setval('plan_actions_id_seq', (SELECT MAX(id) FROM plan_actions)); ANALYZE"],
                   check=True, capture_output=True)
    return len(structures), [len(r) for r in data]


if __name__ == "__main__":
    backend, target = sys.argv[1], sys.argv[2]
    per = int(sys.argv[3]) if len(sys.argv) > 3 else 10
    t = time.time()
    n, counts = (sqlite if backend == "sqlite" else postgres)(target, per)
    print(f"{backend}: {n} structures, {counts[0]} diagnostics, {counts[1]} theme scores, "
          f"{counts[2]} measures, {counts[3]} plan actions written in {time.time() - t:.1f} s")
