-- Issue 13: the audit log becomes tamper-evident, and declared assets wait for an analyst.

-- Each audit row carries the hash of the previous one and its own (sha256, hex, over a
-- canonical encoding: see vigie_store::audit). Rows written before this migration have none:
-- they form the chain's prefix, hashed in order by the first write after it and by every
-- verification (the documented genesis, see docs/SECURITY.md).
ALTER TABLE audit_log ADD COLUMN prev_hash TEXT;
ALTER TABLE audit_log ADD COLUMN hash TEXT;

-- The chain's head (the last row's id and hash) is kept in `settings` (`audit.chain_head`);
-- writers take a transaction-scoped advisory lock so that two of them cannot fork the chain.

-- TRUNCATE bypasses the row triggers: refused by a statement trigger of its own.
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- A declared asset is scanned only once validated: by a regional or CERT analyst, or at once
-- when an analyst declared it. Assets declared before this migration were scanned already:
-- validated by it (validated_by NULL, validated_at the migration's time).
ALTER TABLE assets ADD COLUMN validated_at BIGINT;
ALTER TABLE assets ADD COLUMN validated_by BIGINT;
UPDATE assets SET validated_at = CAST(EXTRACT(EPOCH FROM now()) AS BIGINT);
