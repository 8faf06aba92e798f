-- Structures by GHT: only structures that belong to one are ever looked up by GHT (every query
-- on this index compares ght_id with a value, which implies it is not NULL). A partial index
-- holds no entry for the others: the whole registry right after a FINESS import, which no longer
-- builds (or, row by row, maintains) an index of 40,000 NULL keys.
DROP INDEX structures_ght;
CREATE INDEX structures_ght ON structures(ght_id, name_search) WHERE ght_id IS NOT NULL;
