-- The region's view of diagnostics (issue 16) is counted from the structures of a scope to each
-- one's latest finished diagnostic: this index finds it in one step, where
-- `diagnostics_structure` walked all of a structure's diagnostics to find the one flagged. It
-- holds what the view counts of it, so that the diagnostics table itself is not read.
CREATE INDEX diagnostics_latest_of ON diagnostics(structure_id, score_x100, previous_score_x100,
    finished_at, questionnaire_id, id) WHERE latest = 1;
-- The national list of the latest diagnosed structures, newest first.
CREATE INDEX diagnostics_latest_recent ON diagnostics(finished_at, id) WHERE latest = 1;
