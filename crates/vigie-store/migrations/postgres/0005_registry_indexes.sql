-- Structures by GHT: only structures that belong to one are ever looked up by GHT (every query
-- on this index compares ght_id with a value, which implies it is not NULL). A partial index
-- holds no entry for the others: the whole registry right after a FINESS import, which no longer
-- builds (or, row by row, maintains) an index of 40,000 NULL keys.
DROP INDEX structures_ght;
CREATE INDEX structures_ght ON structures(ght_id, name_search, id) WHERE ght_id IS NOT NULL;
-- Lists are ordered by (name_search, id): with the id in the index (SQLite's indexes end with
-- the rowid already), PostgreSQL reads a page in order, without sorting the rows of equal names.
DROP INDEX structures_region;
CREATE INDEX structures_region ON structures(region_code, name_search, id);
DROP INDEX structures_name;
CREATE INDEX structures_name ON structures(name_search, id);
