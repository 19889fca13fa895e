# test/t/003_capture_durability.pl: automatic capture of disclosures
# (compliance.recipient) keeps its record when the reading transaction
# does not commit, and the log survives restarts.
#
# Once rows are returned they have left the database, so their record must
# not depend on the reader's transaction:
#   (a) a client killed inside its transaction, after a SELECT and after a
#       FETCH from a cursor: exactly the rows returned are logged;
#   (b) an explicit ROLLBACK, and an error later in the same transaction;
#   (c) a large export with COPY (SELECT ...) TO STDOUT and COPY t TO STDOUT;
#   (d) a clean restart keeps everything committed, the hash chains verify,
#       and capture goes on afterwards;
#   (e) an immediate shutdown right after a read: every subject of it is
#       logged.
#
# Each reader uses its own recipient, so each case is counted on its own.
# The subjects are customer numbers 100001 to 101000 (row id + 100000), so
# a subject logged from the wrong column or the wrong row shows.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep);

my $node = PostgreSQL::Test::Cluster->new('capture');
$node->init;
$node->append_conf('postgresql.conf',
	"shared_preload_libraries = 'compliance'");
$node->start;

my @recipients = qw(
  disconnect_bureau cursor_bureau rollback_bureau error_bureau
  copy_query_bureau copy_table_bureau barrier_bureau after_restart_bureau
  crash_bureau after_crash_bureau);

# A shop with 1000 customers, each a distinct subject; a purpose on a basis
# other than consent, so every row may be processed and returned; domestic
# recipients (the processor is in BY), so no transfer rule stands in the
# way.  The reader is an ordinary login role.
$node->safe_psql('postgres',
	q{
CREATE EXTENSION compliance;
SELECT compliance.set_processor('Shop LLC', 'Minsk, Nezavisimosti Ave 1');
SELECT compliance.register_purpose('billing', 'Billing', 'contract_with_subject', basis_scope => 'all_subjects');
SELECT compliance.register_purpose('newsletter', 'Newsletter', 'consent');
CREATE TABLE customers (id int PRIMARY KEY, customer_no bigint NOT NULL UNIQUE,
                        name text, email text);
INSERT INTO customers
SELECT g, 100000 + g, 'Customer ' || g, 'c' || g || '@example.by'
  FROM generate_series(1, 1000) g;
SELECT compliance.protect('customers', 'customer_no');
SELECT compliance.give_consent((100000 + g)::text, '{newsletter}', 'checkbox')
  FROM generate_series(1, 5) g;
-- what the readers' transactions write: gone unless they commit
CREATE TABLE probe (tag text);
CREATE ROLE app LOGIN IN ROLE compliance_app;
GRANT SELECT ON customers TO app;
GRANT SELECT, INSERT ON probe TO app;
-- the purposes app declares (Art. 17.3)
SELECT compliance.grant_purpose(p.code::compliance.purpose, 'app') FROM compliance.purposes p;
}
	. join(
		"\n",
		map {
			"SELECT compliance.register_recipient('$_', 'Bureau $_', 'Minsk', 'BY');"
		} @recipients));

is( $node->safe_psql('postgres',
		'SET compliance.enforce = off; SELECT count(*), count(DISTINCT customer_no) FROM customers'),
	'1000|1000',
	'setup: 1000 rows of 1000 distinct subjects');
is($node->safe_psql('postgres', 'SELECT count(*) FROM compliance.disclosure_log'),
	'0', 'setup: the disclosure log is empty');

my $declare = q{SET compliance.purpose = 'billing'; SET compliance.recipient = };

# Runs $sql as the role app in one psql; returns status, stdout, stderr.
sub as_app
{
	my ($sql, %params) = @_;
	return $node->psql('postgres', $sql,
		extra_params => [ '-U', 'app' ],
		%params);
}

# Polls $sql (as the superuser) until it returns $expected, for at most
# $seconds; true if it did.
sub poll_until
{
	my ($sql, $expected, $seconds) = @_;

	for (my $i = 0; $i < $seconds * 10; $i++)
	{
		my ($ret, $out) = $node->psql('postgres', $sql);
		return 1 if $ret == 0 && $out eq $expected;
		usleep(100_000);
	}
	return 0;
}

# Every capture pushed so far is committed once a capture pushed after it
# is: one writer drains the database's ring in order, and
# compliance.flush_disclosures() waits until the ring's tail passes what
# this session pushed.
sub barrier
{
	my ($ret, $out, $err) = as_app(
		$declare . q{'barrier_bureau';
SELECT customer_no FROM customers WHERE id = 1;
SELECT compliance.flush_disclosures(30000);});
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	is($out, "100001\nt", '... the writer has committed every earlier capture')
	  or diag($err);
}

# What the log holds for a recipient: rows, distinct subjects, subjects
# outside rows $lo..$hi, and whether every row is a capture by app under
# billing from public.customers, domestic, of the columns $items.
sub logged
{
	my ($recipient, $lo, $hi, $items) = @_;
	$items //= '{id,customer_no}';
	return $node->safe_psql(
		'postgres', qq{
SELECT count(*), count(DISTINCT subject),
       count(*) FILTER (WHERE subject::bigint - 100000 NOT BETWEEN $lo AND $hi),
       coalesce(bool_and(source = 'capture' AND purpose = 'billing'
                         AND transfer_kind = 'domestic' AND source_table = 'public.customers'
                         AND recorded_by = 'app' AND data_items = '$items'), false)
  FROM compliance.disclosure_log WHERE recipient = '$recipient'});
}

# Sends a query that returns rows through a controlled psql and returns
# them (without echoing hundreds of rows into the test log).
sub read_rows
{
	my ($s, $sql) = @_;
	my $out = $s->query_until(qr/^rows done\n/m, "$sql;\n\\echo rows done\n");
	$out =~ s/^rows done\n//m;
	return $out;
}

sub count_of
{
	my ($recipient) = @_;
	return "SELECT count(*) FROM compliance.disclosure_log WHERE recipient = '$recipient'";
}

# Waits until the reader with this application_name has no backend left.
sub session_gone
{
	my ($appname) = @_;
	return poll_until(
		"SELECT count(*) FROM pg_stat_activity WHERE application_name = '$appname'",
		'0', 30);
}

# A psql of role app that the test controls, inside a transaction.
sub reader
{
	my ($appname, $recipient) = @_;
	my $s = $node->background_psql(
		'postgres',
		extra_params => [ '-U', 'app' ],
		on_error_stop => 0);
	$s->query_safe("SET application_name = '$appname'");
	$s->query_safe($declare . "'$recipient'");
	$s->query_safe('BEGIN');
	$s->query_safe("INSERT INTO probe VALUES ('$appname')");
	return $s;
}

# Kills the psql process: no COMMIT, no ROLLBACK, no goodbye.
sub kill_client
{
	my ($s) = @_;
	$s->{run}->signal('KILL');
	eval { $s->{run}->finish; };
	return;
}

sub lines
{
	my ($text) = @_;
	return 0 if !defined $text || $text eq '';
	return scalar(my @l = split /\n/, $text);
}

# ---------------------------------------------------------------------
# (a) The client is killed inside its transaction
# ---------------------------------------------------------------------

# A SELECT: the statement ended, so its captures left the session's buffer.
my $s = reader('reader_disconnect', 'disconnect_bureau');
my $rows = read_rows($s,
	'SELECT customer_no, name, email FROM customers WHERE id <= 500 ORDER BY id');
is(lines($rows), 500, '(a) the client received 500 rows');
kill_client($s);
ok(session_gone('reader_disconnect'),
	'(a) the server ended the killed client\'s session');
ok(poll_until(count_of('disconnect_bureau'), '500', 30),
	'(a) within 30 s the log holds 500 disclosures to the recipient');
barrier();
is(logged('disconnect_bureau', 1, 500, '{id,customer_no,name,email}'), '500|500|0|t',
	'(a) exactly the 500 subjects returned, once each, as captured by app');

# A cursor: only the rows fetched are returned.  The cursor is still open
# when the client dies; the FETCH completed only once its captures were
# committed, so they do not depend on the abort or the backend's end.
$s = reader('reader_cursor', 'cursor_bureau');
$s->query_safe(
	'DECLARE c CURSOR FOR SELECT customer_no, name FROM customers WHERE id > 500 ORDER BY id');
$rows = read_rows($s, 'FETCH 150 FROM c');
is(lines($rows), 150, '(a) the client fetched 150 rows from a cursor');
kill_client($s);
ok(session_gone('reader_cursor'),
	'(a) the server ended the killed cursor client\'s session');
ok(poll_until(count_of('cursor_bureau'), '150', 30),
	'(a) within 30 s the log holds 150 disclosures from the cursor');
barrier();
is(logged('cursor_bureau', 501, 650, '{id,customer_no,name}'), '150|150|0|t',
	'(a) exactly the 150 subjects fetched (rows 501-650), not the rest of the cursor');

is($node->safe_psql('postgres', 'SELECT count(*) FROM probe'),
	'0', '(a) the killed clients\' transactions did not commit');

# ---------------------------------------------------------------------
# (b) ROLLBACK, and an error later in the same transaction
# ---------------------------------------------------------------------
my ($ret, $out, $err) = as_app($declare . q{'rollback_bureau';
BEGIN;
INSERT INTO probe VALUES ('rollback');
SELECT customer_no FROM customers WHERE id BETWEEN 101 AND 400;
ROLLBACK;});
is($ret, 0, '(b) read and ROLLBACK') or diag($err);
is(lines($out), 300, '(b) the client received 300 rows before the rollback');

($ret, $out, $err) = as_app(
	$declare . q{'error_bureau';
BEGIN;
INSERT INTO probe VALUES ('error');
SELECT customer_no FROM customers WHERE id BETWEEN 601 AND 850;
SELECT 1 / 0;
SELECT customer_no FROM customers WHERE id > 850;
COMMIT;},
	on_error_stop => 0);
like($err, qr/division by zero/, '(b) an error after the read');
like($err, qr/current transaction is aborted/,
	'(b) ... after which the next read returns nothing');
is(lines($out), 250, '(b) the client received the 250 rows read before the error');

ok(poll_until(count_of('rollback_bureau'), '300', 30),
	'(b) within 30 s the log holds 300 disclosures despite the ROLLBACK');
ok(poll_until(count_of('error_bureau'), '250', 30),
	'(b) within 30 s the log holds 250 disclosures despite the error');
barrier();
is(logged('rollback_bureau', 101, 400), '300|300|0|t',
	'(b) ROLLBACK: exactly the 300 subjects returned');
is(logged('error_bureau', 601, 850), '250|250|0|t',
	'(b) error: exactly the 250 subjects returned before it, none of the read refused after it');
is($node->safe_psql('postgres', 'SELECT count(*) FROM probe'),
	'0', '(b) both transactions rolled back');

# ---------------------------------------------------------------------
# (c) Large exports with COPY
# ---------------------------------------------------------------------
($ret, $out, $err) = as_app($declare . q{'copy_query_bureau';
COPY (SELECT customer_no, name, email FROM customers ORDER BY id) TO STDOUT;
SELECT compliance.flush_disclosures(30000);});
is($ret, 0, '(c) COPY (SELECT ...) TO STDOUT') or diag($err);
is(lines($out), 1001, '(c) ... exported 1000 rows (and the flush said t)');
like($out, qr/\nt\z/, '(c) ... and flush_disclosures() returned true');

# COPY of the table inside a transaction that rolls back; 1000 captures
# are more than the session buffers, so they are pushed during the COPY.
($ret, $out, $err) = as_app($declare . q{'copy_table_bureau';
BEGIN;
COPY customers TO STDOUT;
ROLLBACK;
SELECT compliance.flush_disclosures(30000);});
is($ret, 0, '(c) COPY customers TO STDOUT') or diag($err);
is(lines($out), 1001, '(c) ... exported 1000 rows');
like($out, qr/\nt\z/, '(c) ... and flush_disclosures() returned true');

is(logged('copy_query_bureau', 1, 1000, '{id,customer_no,name,email}'), '1000|1000|0|t',
	'(c) COPY (SELECT ...) TO STDOUT logged all 1000 subjects, once each');
is(logged('copy_table_bureau', 1, 1000, '{id,customer_no,name,email}'), '1000|1000|0|t',
	'(c) COPY customers TO STDOUT logged all 1000 subjects, once each, despite the rollback');

# ---------------------------------------------------------------------
# (d) A clean restart
# ---------------------------------------------------------------------
my $summary_sql = q{
SELECT recipient, count(*), count(DISTINCT subject), min(id), max(id)
  FROM compliance.disclosure_log GROUP BY recipient ORDER BY recipient};
my $heads_sql =
  q{SELECT ledger, last_id, encode(last_hash, 'hex') FROM compliance.ledger_heads ORDER BY ledger};
my $chain_sql = q{SELECT string_agg(encode(hash, 'hex'), ',' ORDER BY id) FROM compliance.disclosure_records};
# verify_ledger() counts the chain's records, each of one or more subjects
sub records
{
	return $node->safe_psql('postgres', 'SELECT count(*) FROM compliance.disclosure_records');
}
my $verify_sql = 'SELECT * FROM compliance.verify_ledger() ORDER BY ledger';

my $total = $node->safe_psql('postgres', 'SELECT count(*) FROM compliance.disclosure_log');
is($total, 500 + 150 + 300 + 250 + 1000 + 1000 + 3,
	'(d) before the restart: every capture above and three barriers');
my $summary = $node->safe_psql('postgres', $summary_sql);
my $heads = $node->safe_psql('postgres', $heads_sql);
my $chain = $node->safe_psql('postgres', $chain_sql);
is($node->safe_psql('postgres', $verify_sql),
	"consent|5|t|\ndisclosure|" . records() . "|t|",
	'(d) before the restart both ledgers verify');

$node->restart;

is($node->safe_psql('postgres', $summary_sql),
	$summary, '(d) after a clean restart the log holds the same disclosures');
is($node->safe_psql('postgres', $chain_sql),
	$chain, '(d) ... with the same hash chain');
is($node->safe_psql('postgres', $heads_sql),
	$heads, '(d) ... and the same ledger heads');
is($node->safe_psql('postgres', $verify_sql),
	"consent|5|t|\ndisclosure|" . records() . "|t|",
	'(d) after the restart verify_ledger() is ok for both ledgers');

($ret, $out, $err) = as_app($declare . q{'after_restart_bureau';
SELECT count(*) FROM (SELECT customer_no FROM customers) s;
SELECT customer_no FROM customers WHERE id BETWEEN 11 AND 20;
SELECT compliance.flush_disclosures(30000);});
is(lines($out), 12, '(d) a read after the restart') or diag($err);
is(logged('after_restart_bureau', 11, 20), '10|10|0|t',
	'(d) ... is captured: the 10 rows returned, not the rows only counted');
$total += 10;

# ---------------------------------------------------------------------
# (e) An immediate shutdown right after a read
# ---------------------------------------------------------------------
# The reader's statement has completed, and a statement that read for a
# recipient completes only once the writer has committed its captures.
# Stopping the server in immediate mode (like a crash) discards shared
# memory, but nothing of that statement is left there: all 200 are logged,
# once each, everything committed earlier is intact, both hash chains
# verify, and capture works again.  (test/t/010_capture_crash.pl does
# this with 8 clients, in rounds, and with kill -9.)
my $before_crash = $node->safe_psql('postgres', $summary_sql);
$s = $node->background_psql('postgres', extra_params => [ '-U', 'app' ]);
$s->query_safe($declare . q{'crash_bureau'});
$rows = read_rows($s, 'SELECT customer_no FROM customers WHERE id <= 200');
is(lines($rows), 200, '(e) the client received 200 rows');
$node->stop('immediate');
kill_client($s);

$node->start;
is($node->safe_psql('postgres', 'SELECT 1'),
	'1', '(e) the server comes back after an immediate shutdown');
is(logged('crash_bureau', 1, 200), '200|200|0|t',
	'(e) every subject of the read just before it is logged, once each');
$total += 200;

my $after_crash = $node->safe_psql('postgres', $summary_sql);
$after_crash =~ s/^crash_bureau\|[^\n]*\n?//m;
is($after_crash, $before_crash,
	'(e) every disclosure committed before the shutdown is still there');
is($node->safe_psql('postgres', $verify_sql),
	"consent|5|t|\ndisclosure|" . records() . "|t|",
	'(e) after recovery verify_ledger() is ok for both ledgers');

($ret, $out, $err) = as_app($declare . q{'after_crash_bureau';
SELECT customer_no FROM customers WHERE id BETWEEN 901 AND 950;
SELECT compliance.flush_disclosures(30000);});
is(lines($out), 51, '(e) a read after recovery') or diag($err);
is(logged('after_crash_bureau', 901, 950), '50|50|0|t',
	'(e) ... is captured again');
like($node->safe_psql('postgres', $verify_sql),
	qr/^consent\|5\|t\|\ndisclosure\|\d+\|t\|$/,
	'(e) ... and the chain still verifies');

# ---------------------------------------------------------------------
# (f) Databases come and go
# ---------------------------------------------------------------------
# A writer leaves once its database has no session left, so DROP DATABASE
# does not wait for it, and gives its ring back, so more databases than
# there are rings (8) capture over time.  Each of these databases reads
# three rows for a recipient, checks they are logged, and is dropped.
my $dropped = 0;
for my $i (1 .. 10)
{
	my $db = "branch_$i";
	$node->safe_psql('postgres', "CREATE DATABASE $db");
	my $got = $node->safe_psql(
		$db, q{
CREATE EXTENSION compliance;
SELECT compliance.set_processor('Shop LLC', 'Minsk, Nezavisimosti Ave 1');
SELECT compliance.register_purpose('billing', 'Billing', 'contract_with_subject', basis_scope => 'all_subjects');
SELECT compliance.register_recipient('branch_bureau', 'Bureau', 'Minsk', 'BY');
CREATE TABLE customers (id int PRIMARY KEY, customer_no bigint NOT NULL);
INSERT INTO customers SELECT g, 100000 + g FROM generate_series(1, 3) g;
SELECT compliance.protect('customers', 'customer_no');
SET compliance.purpose = 'billing';
SET compliance.recipient = 'branch_bureau';
SELECT customer_no FROM customers ORDER BY id;
SELECT compliance.flush_disclosures(30000);
RESET compliance.recipient;
SELECT count(*) FROM compliance.disclosure_log WHERE recipient = 'branch_bureau';
});
	last unless like($got, qr/\n100001\n100002\n100003\nt\n3$/, "(f) database $i of 10 logs its three rows");
	my ($rc, $stdout, $stderr) =
	  $node->psql('postgres', "DROP DATABASE $db", on_error_stop => 1);
	last unless is($rc, 0, "(f) ... and can be dropped at once") or diag($stderr);
	$dropped++;
}
is($dropped, 10, '(f) ten databases, more than there are rings, captured one after another');

$node->stop;

done_testing();
