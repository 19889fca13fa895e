-- A hot standby learns of consent changes from a relcache invalidation,
-- which is WAL-logged with the commit (src/subject_changes.c).  It used
-- to name consent_state, and so also invalidated every cached plan that
-- reads consent_state, in every session, at every change of consent: the
-- next give_consent() in each session planned its statements again.  This
-- relation exists only to be named instead; nothing reads it.
CREATE TABLE compliance.consent_change_signal ();
COMMENT ON TABLE compliance.consent_change_signal IS
    'Internal, holds no rows: its relcache invalidation, queued by every change of consent state or blocking, tells the sessions of hot standbys to empty their consent caches.';
REVOKE ALL ON compliance.consent_change_signal FROM PUBLIC;
