-- Call recording (issue #14). calls.recording_url (the spec's column) is set once the file is ready; the
-- rest is the recording's own state. recording_updated_at tells a stuck 'processing' (a node that died while
-- post-processing) from one still running, so another node can take it over.
ALTER TABLE calls ADD COLUMN recording_state VARCHAR(20);
ALTER TABLE calls ADD COLUMN recording_started_by UUID REFERENCES users(id) ON DELETE SET NULL;
ALTER TABLE calls ADD COLUMN recording_started_at TIMESTAMPTZ;
ALTER TABLE calls ADD COLUMN recording_message TEXT;
ALTER TABLE calls ADD COLUMN recording_updated_at TIMESTAMPTZ;
CREATE INDEX calls_recording_state ON calls (recording_state) WHERE recording_state IS NOT NULL;
