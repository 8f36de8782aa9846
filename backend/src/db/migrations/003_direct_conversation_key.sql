-- One 1:1 conversation per pair of users, even when both start it at the same moment: the pair's key is
-- unique, so the second insert finds the first instead of creating a twin (a check-then-insert cannot
-- promise that under concurrency). No backfill: no database predates this migration.
ALTER TABLE conversations ADD COLUMN direct_key TEXT;
CREATE UNIQUE INDEX conversations_direct_key_unique ON conversations (direct_key) WHERE direct_key IS NOT NULL;
