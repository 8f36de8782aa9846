-- Which stay in the call a participant is in: it counts their joins (a rejoin after leaving is a new stay),
-- so that a leave can name the stay it ends. A node that hears of a leave late (another node committed it)
-- must not end the media session of the stay that began after it (see sfu/sfuSessions.ts).
ALTER TABLE call_participants ADD COLUMN stay INTEGER NOT NULL DEFAULT 0;
