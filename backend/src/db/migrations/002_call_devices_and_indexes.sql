-- Additions the signaling server needs on top of the spec's columns (never altering them).

-- The device a participant answered on: signaling is delivered to that device only, and its drop starts
-- the reconnect grace.
ALTER TABLE call_participants ADD COLUMN device_id VARCHAR(64);
-- Set when the participant's device lost its socket; the sweeper marks the participant 'left' once it is
-- older than RECONNECT_GRACE_SECONDS, a reconnect clears it.
ALTER TABLE call_participants ADD COLUMN disconnected_at TIMESTAMPTZ;
ALTER TABLE call_participants ADD CONSTRAINT call_participants_call_user_unique UNIQUE (call_id, user_id);

-- Status checks keep a buggy writer from inventing states the clients cannot render.
ALTER TABLE calls ADD CONSTRAINT calls_status_check
  CHECK (status IN ('initiated', 'ringing', 'active', 'ended', 'missed', 'rejected', 'failed'));
ALTER TABLE call_participants ADD CONSTRAINT call_participants_status_check
  CHECK (status IN ('invited', 'ringing', 'joined', 'left', 'rejected', 'missed'));

-- History pages: "my calls, newest first" walks participants by user, then calls by (created_at, id).
CREATE INDEX call_participants_user_idx ON call_participants (user_id, call_id);
CREATE INDEX calls_created_idx ON calls (created_at DESC, id DESC);
-- The sweeper scans only unfinished calls.
CREATE INDEX calls_open_idx ON calls (status, created_at) WHERE status IN ('initiated', 'ringing', 'active');
CREATE INDEX call_participants_disconnected_idx ON call_participants (disconnected_at)
  WHERE disconnected_at IS NOT NULL;
CREATE INDEX call_participants_device_idx ON call_participants (device_id) WHERE status = 'joined';
CREATE INDEX conversation_members_user_idx ON conversation_members (user_id);
CREATE INDEX turn_credentials_expires_idx ON turn_credentials (expires_at);
