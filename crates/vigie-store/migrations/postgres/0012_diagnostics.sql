-- Diagnostics (issue 16): cyber maturity diagnostics taken on a questionnaire of
-- `vigie-diagnostics` (its id and version), their answers saved as they go, the scores and
-- priority measures computed when finished, and each structure's action plan ("plan de
-- réduction des vulnérabilités").

-- One diagnostic of one structure. `latest` marks the structure's newest finished diagnostic
-- (what the region's view counts); `previous_score_x100` is the score of the finished one before
-- it (progress). Scores are hundredths (0 to 300).
CREATE TABLE diagnostics (
    id BIGSERIAL PRIMARY KEY,
    structure_id BIGINT NOT NULL REFERENCES structures(id) ON DELETE CASCADE,
    questionnaire_id TEXT NOT NULL,
    questionnaire_version BIGINT NOT NULL,
    status TEXT NOT NULL DEFAULT 'in_progress',
    assisted BIGINT NOT NULL DEFAULT 0,
    started_by TEXT NOT NULL,
    started_by_user_id BIGINT REFERENCES users(id) ON DELETE SET NULL,
    started_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    finished_by TEXT,
    finished_by_user_id BIGINT REFERENCES users(id) ON DELETE SET NULL,
    finished_at BIGINT,
    signed_off_by TEXT,
    signed_off_by_user_id BIGINT REFERENCES users(id) ON DELETE SET NULL,
    signed_off_at BIGINT,
    sign_off_note TEXT NOT NULL DEFAULT '',
    score_x100 BIGINT,
    previous_score_x100 BIGINT,
    latest BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX diagnostics_structure ON diagnostics(structure_id, id);
CREATE INDEX diagnostics_latest ON diagnostics(latest, structure_id);

-- The answers, one per question: a choice id, `dont_know` or `not_applicable`.
CREATE TABLE diagnostic_answers (
    diagnostic_id BIGINT NOT NULL REFERENCES diagnostics(id) ON DELETE CASCADE,
    question_id TEXT NOT NULL,
    answer TEXT NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    answered_by TEXT NOT NULL,
    answered_at BIGINT NOT NULL,
    PRIMARY KEY (diagnostic_id, question_id)
);

-- The score of each theme of a finished diagnostic (NULL: nothing counted).
CREATE TABLE diagnostic_theme_scores (
    diagnostic_id BIGINT NOT NULL REFERENCES diagnostics(id) ON DELETE CASCADE,
    theme_id TEXT NOT NULL,
    score_x100 BIGINT,
    PRIMARY KEY (diagnostic_id, theme_id)
);

-- The priority measures of a finished diagnostic, in order (`latest` as on its diagnostic).
CREATE TABLE diagnostic_measures (
    diagnostic_id BIGINT NOT NULL REFERENCES diagnostics(id) ON DELETE CASCADE,
    rank BIGINT NOT NULL,
    recommendation_id TEXT NOT NULL,
    priority BIGINT NOT NULL,
    effort TEXT NOT NULL,
    value_x10 BIGINT NOT NULL,
    question_id TEXT NOT NULL,
    latest BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (diagnostic_id, rank)
);
CREATE INDEX diagnostic_measures_latest ON diagnostic_measures(latest, recommendation_id);

-- The action plan of a structure. `source_kind`: manual, measure (source_id: the diagnostic,
-- source_ref: the recommendation), finding (a scan finding), alert (a vulnerability alert),
-- incident (an incident's lesson). An action whose finding is verified fixed or whose alert is
-- closed closes itself (`auto_closed`, `closed_note` says why).
CREATE TABLE plan_actions (
    id BIGSERIAL PRIMARY KEY,
    structure_id BIGINT NOT NULL REFERENCES structures(id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    owner TEXT NOT NULL DEFAULT '',
    due_on BIGINT,
    status TEXT NOT NULL DEFAULT 'todo',
    evidence TEXT NOT NULL DEFAULT '',
    source_kind TEXT NOT NULL,
    source_id BIGINT,
    source_ref TEXT NOT NULL DEFAULT '',
    auto_closed BIGINT NOT NULL DEFAULT 0,
    closed_note TEXT NOT NULL DEFAULT '',
    closed_at BIGINT,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX plan_actions_structure ON plan_actions(structure_id, status);
CREATE INDEX plan_actions_due ON plan_actions(status, due_on);
CREATE INDEX plan_actions_source ON plan_actions(source_kind, source_id);
