# test/t/006_standby.pl: a streaming hot standby enforces what the primary
# decides.  Reads on the standby are filtered like reads on the primary,
# and a withdrawal (Art. 10 of Law 99-Z) or a block (Art. 13.2) made on
# the primary applies on the standby once replayed: in a new session, and
# at the next statement of a session whose consent cache was already warm,
# also inside a REPEATABLE READ transaction that began before.
#
# A standby has its own shared memory, which replay does not fill with the
# changed subjects (src/subject_changes.c); the relcache invalidation that
# the consent triggers queue, WAL-logged with the commit, empties the
# standby sessions' caches instead.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $primary = PostgreSQL::Test::Cluster->new('primary');
$primary->init(allows_streaming => 1);
$primary->append_conf('postgresql.conf',
	"shared_preload_libraries = 'compliance'");
$primary->start;

$primary->safe_psql(
	'postgres', q{
CREATE EXTENSION compliance;
SELECT compliance.set_processor('Shop LLC', 'Minsk, Nezavisimosti Ave 1');
SELECT compliance.register_purpose('marketing', 'Marketing', 'consent');
SELECT compliance.register_purpose('billing', 'Billing', 'contract_with_subject');
SELECT compliance.register_recipient('bureau', 'Credit bureau', 'Minsk', 'BY');
CREATE TABLE customers (id int PRIMARY KEY, email text);
INSERT INTO customers SELECT g, 'c' || g || '@example.by' FROM generate_series(1, 5) g;
SELECT compliance.protect('customers', 'id');
SELECT count(compliance.give_consent(g::text, 'marketing', 'checkbox')) FROM generate_series(1, 4) g;
-- each customer's contract (Art. 6 para 15)
SELECT count(compliance.record_basis(g::text, 'billing', '2026-01-01 00:00+00')) FROM generate_series(1, 5) g;
CREATE ROLE app LOGIN IN ROLE compliance_app;
GRANT SELECT ON customers TO app;
-- the purposes app declares (Art. 17.3)
SELECT compliance.grant_purpose(p.code::compliance.purpose, 'app') FROM compliance.purposes p;
});

$primary->backup('base');
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'base', has_streaming => 1);
$standby->start;
$primary->wait_for_catchup($standby, 'replay');

my $read = 'SELECT string_agg(id::text, \',\' ORDER BY id) FROM customers';
my $marketing = "SET compliance.purpose = 'marketing'";

# Runs $sql on the standby as app under marketing, in a new session.
sub standby_read
{
	my ($sql) = @_;
	return $standby->safe_psql('postgres', "$marketing; $sql",
		extra_params => [ '-U', 'app' ]);
}

# (a) Reads on the standby are filtered like on the primary.
is($standby->safe_psql('postgres', 'SELECT pg_is_in_recovery()'),
	't', 'the standby is in recovery');
is( $primary->safe_psql('postgres', "$marketing; $read",
		extra_params => [ '-U', 'app' ]),
	'1,2,3,4',
	'on the primary, marketing processes the subjects who consent');
is(standby_read($read), '1,2,3,4', '... and on the standby, the same');
is(standby_read("SET compliance.purpose = 'billing'; $read"),
	'1,2,3,4,5', 'on the standby, billing reads the customers with a contract, without consent');
my ($ret, $out, $err) = $standby->psql('postgres', $read,
	extra_params => [ '-U', 'app' ]);
like($err, qr/purpose/,
	'on the standby, a protected table is not read without a declared purpose');

# The result of a query in a background session, without the newline
# that BackgroundPsql of some 16.x releases leaves on it.
sub ask
{
	my ($session, $sql) = @_;
	my $result = $session->query_safe($sql);
	chomp $result;
	return $result;
}

# Sessions with a warm cache: one in autocommit, one inside a REPEATABLE
# READ transaction begun before the withdrawal.
my $auto = $standby->background_psql('postgres',
	extra_params => [ '-U', 'app' ], on_error_stop => 0);
$auto->query_safe($marketing);
is(ask($auto, $read), '1,2,3,4', 'a standby session warms its cache');
my $rr = $standby->background_psql('postgres',
	extra_params => [ '-U', 'app' ], on_error_stop => 0);
$rr->query_safe($marketing);
$rr->query_safe('BEGIN ISOLATION LEVEL REPEATABLE READ');
is(ask($rr, $read), '1,2,3,4',
	'a standby session inside REPEATABLE READ warms its cache');

# (b) A withdrawal on the primary, once replayed.
$primary->safe_psql('postgres', "SELECT compliance.withdraw_consent('1')");
$primary->wait_for_catchup($standby, 'replay');
is(ask($auto, $read), '2,3,4',
	'after replay, the warm session leaves the withdrawn subject out at its next statement');
is(ask($rr, $read), '2,3,4',
	'... and so does the one inside REPEATABLE READ');
is(standby_read($read), '2,3,4', '... and a new session');
is(standby_read("SELECT compliance.may_process('1'), compliance.may_process('2')"),
	'f|t', 'may_process() on the standby agrees');
($ret, $out, $err) = $standby->psql('postgres',
	"$marketing; SET compliance.on_blocked_read = 'error'; SELECT email FROM customers WHERE id = 1",
	extra_params => [ '-U', 'app' ]);
like($err, qr/withdrew consent/,
	'on_blocked_read = error on the standby says why subject 1 is refused');

# (c) A block on the primary, once replayed: whatever the purpose.
$primary->safe_psql('postgres',
	"SELECT compliance.block_subject('2', 'accuracy disputed')");
$primary->wait_for_catchup($standby, 'replay');
is(ask($auto, $read), '3,4', 'after replay, the warm session leaves the blocked subject out');
is(ask($rr, $read), '3,4', '... and so does the one inside REPEATABLE READ');
is(standby_read("SET compliance.purpose = 'billing'; $read"),
	'1,3,4,5', '... and billing on the standby skips only the blocked subject');

# (d) Renewed consent and a lifted block come back the same way.
$primary->safe_psql(
	'postgres', q{
SELECT compliance.give_consent('1', 'marketing', 'checkbox') IS NOT NULL;
SELECT compliance.unblock_subject('2');
});
$primary->wait_for_catchup($standby, 'replay');
is(ask($auto, $read), '1,2,3,4',
	'after replay, a renewed consent and a lifted block apply in the warm session');
is(ask($rr, $read), '1,2,3,4', '... and inside REPEATABLE READ');
$rr->query_safe('COMMIT');

# (d2) A withdrawal after ROLLBACK TO SAVEPOINT: what the savepoint undid
# stays undone, and the withdrawal after it reaches the standby.
$primary->safe_psql(
	'postgres', q{
BEGIN;
SAVEPOINT s;
SELECT compliance.withdraw_consent('4');
ROLLBACK TO SAVEPOINT s;
SELECT compliance.withdraw_consent('1');
COMMIT;
});
$primary->wait_for_catchup($standby, 'replay');
is(ask($auto, $read), '2,3,4',
	'a withdrawal after ROLLBACK TO SAVEPOINT reaches the warm session on the standby');

# (d3) The end of a contract on the primary, once replayed: billing on
# the standby leaves that customer out, in a warm session too.
my $billing = "SET compliance.purpose = 'billing'; $read";
is(standby_read($billing), '1,2,3,4,5', 'billing on the standby reads every customer with a contract');
$auto->query_safe("SET compliance.purpose = 'billing'");
is(ask($auto, $read), '1,2,3,4,5', '... and so does a warm session');
$primary->safe_psql('postgres',
	"SELECT compliance.end_basis('5', 'billing', reason => 'contract terminated')");
$primary->wait_for_catchup($standby, 'replay');
is(ask($auto, $read), '1,2,3,4',
	'after replay, the warm session leaves the customer whose contract ended out');
is(standby_read($billing), '1,2,3,4', '... and so does a new session');
$auto->query_safe("SET compliance.purpose = 'marketing'");

# (e) Consent cannot be changed on the standby: it is read-only.
($ret, $out, $err) = $standby->psql('postgres',
	"SELECT compliance.withdraw_consent('3')");
like($err, qr/read-only transaction/,
	'withdraw_consent() on the standby fails: read-only');

# (f) Reading for a recipient on the standby would hand rows out with no
# record in the disclosure log (no writer runs during recovery): refused.
($ret, $out, $err) = $standby->psql('postgres',
	"SET compliance.purpose = 'marketing'; SET compliance.recipient = 'bureau';
	 SELECT id FROM customers");
like($err, qr/cannot capture disclosures on a hot standby/,
	'a read for a recipient on the standby is refused');
is($out, '', '... and returns no row');

$auto->quit;
$rr->quit;
$standby->stop;
$primary->stop;
done_testing();
