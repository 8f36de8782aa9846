-- Extra: a raised hand in a call. The queue of a call is its joined participants with a hand raised, oldest
-- first; leaving the call lowers the hand (see calls.repo.ts), so a rejoiner starts with their hand down.
ALTER TABLE call_participants ADD COLUMN hand_raised_at TIMESTAMPTZ;
