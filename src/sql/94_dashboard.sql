-- The officer's dashboard: everything with a statutory deadline in one
-- view, so that the person responsible for internal supervision of
-- processing (Art. 17.3 of Law 99-Z) sees at a glance what is open and
-- what is late.  Each row counts one kind of work item.

CREATE VIEW compliance.officer_dashboard AS
SELECT d.item, d.total, d.overdue, d.next_due, d.article, d.see
  FROM (
    SELECT 1 AS ord, 'open_requests'::text AS item,
           count(*) AS total, count(*) FILTER (WHERE r.overdue) AS overdue,
           min(r.due_at) AS next_due, 'Art. 10-14'::text AS article,
           'compliance.requests; answer, then compliance.complete_request()'::text AS see
      FROM compliance.requests r WHERE r.status = 'open'
    UNION ALL
    SELECT 2, 'breaches_awaiting_notification',
           count(*), count(*) FILTER (WHERE b.overdue), min(b.notify_by), 'Art. 16.1',
           'compliance.breaches; notify the authority, then compliance.record_breach_notification()'
      FROM compliance.breaches b WHERE b.status = 'awaiting_notification'
    UNION ALL
    SELECT 3, 'authority_demands_open',
           count(*), count(*) FILTER (WHERE compliance.belarus_date(now()) > a.due_at), min(a.due_at), 'Art. 16.1',
           'compliance.authority_demands; compliance.carry_out_authority_demand() or complete_authority_demand()'
      FROM compliance.authority_demands a WHERE a.completed_at IS NULL
    UNION ALL
    -- Consents ending within 30 days: ask for renewal, or prepare for the
    -- end of the basis (Art. 4.8).
    SELECT 4, 'consents_expiring_30_days',
           count(*), 0, compliance.belarus_date(min(s.valid_until)), 'Art. 5.5, 4.8',
           'compliance.consent_state (valid_until); renew with compliance.give_consent()'
      FROM compliance.consent_state s
     WHERE s.status IN ('given', 'renewed')
       AND s.valid_until > now() AND s.valid_until <= now() + interval '30 days'
    UNION ALL
    SELECT 5, 'erase_tasks_due',
           count(*), count(*) FILTER (WHERE t.overdue), min(t.due_at), 'Art. 10.2',
           'compliance.erase_tasks_due; compliance.process_erase_tasks()'
      FROM compliance.erase_tasks_due t
    UNION ALL
    SELECT 6, 'erasure_notices_open',
           count(*), count(*) FILTER (WHERE n.overdue), min(n.due_at), 'Art. 13.2',
           'compliance.erasure_notices; tell the recipient, then compliance.confirm_erasure_notice()'
      FROM compliance.erasure_notices n WHERE n.confirmed_at IS NULL
    UNION ALL
    -- Past their time already, so all of them are overdue.
    SELECT 7, 'expired_data',
           count(*), count(*), compliance.belarus_date(min(e.expired_at)), 'Art. 4.8',
           'compliance.expired_data(); compliance.purge_expired()'
      FROM compliance.expired_data() e
  ) d
 ORDER BY d.ord;
COMMENT ON VIEW compliance.officer_dashboard IS
    'What the officer must act on, one row per kind: open_requests (applications of subjects, Art. 10-14), breaches_awaiting_notification (Art. 16.1), authority_demands_open (Art. 16.1), consents_expiring_30_days, erase_tasks_due (Art. 10.2), erasure_notices_open (Art. 13.2) and expired_data (table-subject pairs past retention, Art. 4.8). total, overdue (past the deadline), next_due (earliest deadline, a Belarus date), the article, and where to look and what to call. Reading it scans every protected table (expired_data).';

REVOKE ALL ON compliance.officer_dashboard FROM PUBLIC;
GRANT SELECT ON compliance.officer_dashboard TO compliance_officer, compliance_analyst;
