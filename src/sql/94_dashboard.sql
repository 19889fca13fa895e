-- The officer's dashboard: everything with a statutory deadline in one
-- view, so that the person responsible for internal supervision of
-- processing (Art. 17.3 of Law 99-Z) sees at a glance what is open and
-- what is late.  Each row counts one kind of work item.
--
-- Reading it must stay cheap whatever the number of subjects: each row
-- but the last reads only open items, from the base tables (the view of
-- requests computes a window over every application), and compares their
-- deadlines with today's Belarus date computed once (belarus_date() per
-- row costs microseconds each: 30 ms for 7,000 erase tasks).  The last row, expired data, would
-- have to read every protected table (86_retention.sql): it shows the
-- last count of compliance.expired_data() instead, and its time in
-- as_of; the other rows are as of now.

-- Consents ending soon: the few with an end, by their end.  Not on
-- status, so that a withdrawal (which changes only the status) stays a
-- HOT update that writes no index.
CREATE INDEX consent_state_valid_until ON compliance.consent_state (valid_until)
    WHERE valid_until IS NOT NULL;
COMMENT ON INDEX compliance.consent_state_valid_until IS
    'Consents with an end, by their end: the dashboard''s consents ending within 30 days.';

CREATE VIEW compliance.officer_dashboard AS
SELECT d.item, d.total, d.overdue, d.next_due, d.article, d.see, d.as_of
  FROM (
    SELECT 1 AS ord, 'open_requests'::text AS item,
           count(*) AS total, count(*) FILTER (WHERE r.due_at < (SELECT compliance.belarus_date(now()))) AS overdue,
           min(r.due_at) AS next_due, 'Art. 10-14'::text AS article,
           'compliance.requests; answer, then compliance.complete_request()'::text AS see,
           now() AS as_of
      FROM compliance.subject_requests r WHERE r.completed_at IS NULL
    UNION ALL
    SELECT 2, 'breaches_awaiting_notification',
           count(*), count(*) FILTER (WHERE b.notify_by < (SELECT compliance.belarus_date(now()))), min(b.notify_by), 'Art. 16.1',
           'compliance.breaches; notify the authority, then compliance.record_breach_notification()', now()
      FROM compliance.breach_register b WHERE b.notified_at IS NULL AND b.not_notified_ground IS NULL
    UNION ALL
    SELECT 3, 'authority_demands_open',
           count(*), count(*) FILTER (WHERE a.due_at < (SELECT compliance.belarus_date(now()))), min(a.due_at), 'Art. 16.1',
           'compliance.authority_demands; compliance.carry_out_authority_demand() or complete_authority_demand()', now()
      FROM compliance.authority_demands a WHERE a.completed_at IS NULL
    UNION ALL
    -- Consents ending within 30 days: ask for renewal, or prepare for the
    -- end of the basis (Art. 4.8).
    SELECT 4, 'consents_expiring_30_days',
           count(*), 0, compliance.belarus_date(min(s.valid_until)), 'Art. 5.5, 4.8',
           'compliance.consent_state (valid_until); renew with compliance.give_consent()', now()
      FROM compliance.consent_state s
     WHERE s.status IN ('given', 'renewed')
       AND s.valid_until > now() AND s.valid_until <= now() + interval '30 days'
    UNION ALL
    SELECT 5, 'erase_tasks_due',
           count(*), count(*) FILTER (WHERE t.due_at < (SELECT compliance.belarus_date(now()))), min(t.due_at), 'Art. 10.2',
           'compliance.erase_tasks_due; CALL compliance.process_erase_tasks_in_batches()', now()
      FROM compliance.erase_tasks t WHERE t.done_at IS NULL AND t.created_at <= now()
    UNION ALL
    SELECT 6, 'erasure_notices_open',
           count(*), count(*) FILTER (WHERE n.due_at < (SELECT compliance.belarus_date(now()))), min(n.due_at), 'Art. 13.2',
           'compliance.erasure_notices; tell the recipient, then compliance.confirm_erasure_notice()', now()
      FROM compliance.recipient_notices n WHERE n.confirmed_at IS NULL
    UNION ALL
    -- Disclosures the writer could not log (84_dead_letters.sql): the Art. 12
    -- answer misses them until they are replayed, so each is overdue.
    SELECT 8, 'disclosures_not_logged',
           coalesce(sum(cardinality(l.subjects)), 0), coalesce(sum(cardinality(l.subjects)), 0),
           compliance.belarus_date(min(l.failed_at)), 'Art. 12',
           'compliance.disclosure_dead_letters (the error of each); remove the cause, then compliance.replay_dead_letters()', now()
      FROM compliance.disclosure_dead_letters l
    UNION ALL
    -- Past their time already, so all of them are overdue; as counted at
    -- as_of (NULL, with the other columns, until the first count).
    SELECT 7, 'expired_data',
           c.expired, c.expired, compliance.belarus_date(c.earliest_expired_at), 'Art. 4.8',
           CASE WHEN c.counted_at IS NULL
                THEN 'not counted yet: SELECT compliance.count_expired_data(); then compliance.expired_data(), compliance.purge_expired_in_batches()'
                ELSE 'compliance.expired_data(), as counted at as_of (count again: compliance.count_expired_data()); compliance.purge_expired_in_batches()' END,
           c.counted_at
      FROM (SELECT) AS one
      LEFT JOIN compliance.expired_data_count c ON true
  ) d
 ORDER BY d.ord;
COMMENT ON VIEW compliance.officer_dashboard IS
    'What the officer must act on, one row per kind: open_requests (applications of subjects, Art. 10-14), breaches_awaiting_notification (Art. 16.1), authority_demands_open (Art. 16.1), consents_expiring_30_days, erase_tasks_due (Art. 10.2), erasure_notices_open (Art. 13.2), disclosures_not_logged (subjects of disclosures the writer could not log, Art. 12: compliance.disclosure_dead_letters) and expired_data (table-subject pairs past retention, Art. 4.8). total, overdue (past the deadline), next_due (earliest deadline, a Belarus date), the article, where to look and what to call, and as_of: the time the figures are from. Every row is as of now except expired_data, which is the last count of compliance.expired_data() (compliance.expired_data_count, taken by compliance.count_expired_data(), compliance.check_deadlines() and compliance.purge_expired_in_batches()) with its time; NULL until the first count. Reading it reads only open items, through indexes.';

REVOKE ALL ON compliance.officer_dashboard FROM PUBLIC;
GRANT SELECT ON compliance.officer_dashboard TO compliance_officer, compliance_analyst;
