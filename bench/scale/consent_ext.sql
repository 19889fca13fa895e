-- bench/scale/consent_ext.sql (pgbench): one give_consent for a random
-- subject (analytics: a renewal for the 40% who have it, a new consent
-- otherwise); each call its own transaction, through the ledger.
\set s random(1, :subjects)
SELECT compliance.give_consent(:s::text, '{analytics}', 'checkbox');
