-- The region's view of diagnostics (issue 16) is counted from the structures of a scope to each
-- one's latest finished diagnostic: this index finds it in one step, where
-- `diagnostics_structure` walked all of a structure's diagnostics to find the one flagged.
CREATE INDEX diagnostics_latest_of ON diagnostics(structure_id) WHERE latest = 1;
-- The national list of the latest diagnosed structures, newest first.
CREATE INDEX diagnostics_latest_recent ON diagnostics(finished_at, id) WHERE latest = 1;
