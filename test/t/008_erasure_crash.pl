# test/t/008_erasure_crash.pl: an erasure interrupted by a crash leaves
# all of the subject's rows or none, and the ledgers agree with the rows
# (Art. 13: erasure is complete or not done; Art. 5.7: the ledger proves
# what happened).
#
#   (a) an erasure not yet committed when the server is killed: after
#       recovery every row of the subject is there, no erased event, no
#       block;
#   (b) an erasure committed just before the kill: no row left, the erased
#       event in the ledger, the retained rows blocked;
#   (c) an erasure of a subject with a million rows, killed while it runs:
#       all rows or none, and the erased event exactly when none;
# and after each recovery both hash chains verify and erasure goes on.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use IPC::Run;
use Test::More;
use Time::HiRes qw(usleep);

my $node = PostgreSQL::Test::Cluster->new('erasure_crash');
$node->init;
# restart_after_crash: a killed backend makes the postmaster recover and
# go on, as a production server does (the test default is off)
$node->append_conf('postgresql.conf', "shared_preload_libraries = 'compliance'\nrestart_after_crash = on\n");
$node->start;

# patients <- visits (ON DELETE CASCADE, many rows for subject 3)
#          <- invoices (retained by law: kept and blocked)
$node->safe_psql(
	'postgres', q{
CREATE EXTENSION compliance;
SELECT compliance.set_processor('Clinic LLC', 'Minsk');
SELECT compliance.register_purpose('care', 'Medical care', 'medical_assistance', basis_scope => 'all_subjects');
SELECT compliance.register_purpose('reminders', 'Reminders', data_items => ARRAY['patients.name']);
CREATE TABLE patients (id int PRIMARY KEY, name text);
CREATE TABLE visits (id bigserial PRIMARY KEY, patient_id int REFERENCES patients ON DELETE CASCADE, note text);
CREATE INDEX ON visits (patient_id);
CREATE TABLE invoices (id int PRIMARY KEY, patient_id int, issued_on date, amount numeric);
CREATE INDEX ON invoices (patient_id);
INSERT INTO patients SELECT g, 'patient ' || g FROM generate_series(1, 5) g;
INSERT INTO visits (patient_id, note) SELECT p, 'visit' FROM generate_series(1, 5) p, generate_series(1, 10);
INSERT INTO visits (patient_id, note) SELECT 3, 'long history' FROM generate_series(1, 1000000);
INSERT INTO invoices SELECT g, g, current_date, 10 FROM generate_series(1, 5) g;
SELECT compliance.protect('patients', 'id');
SELECT compliance.protect('visits', 'patient_id');
SELECT compliance.protect('invoices', 'patient_id');
SELECT compliance.set_retained('invoices', 'Tax Code: accounting documents are kept 5 years', interval '5 years', 'issued_on');
SELECT count(compliance.give_consent(g::text, '{reminders}', 'checkbox')) FROM generate_series(1, 5) g;
});

# What the database holds of a subject, as a superuser with enforcement off.
sub state_of
{
	my ($subject) = @_;
	return $node->safe_psql(
		'postgres', qq{
SET compliance.enforce = off;
SELECT (SELECT count(*) FROM patients WHERE id = $subject) || ' ' ||
       (SELECT count(*) FROM visits WHERE patient_id = $subject) || ' ' ||
       (SELECT count(*) FROM invoices WHERE patient_id = $subject) || ' ' ||
       (SELECT count(*) FROM compliance.consent_ledger WHERE subject = '$subject' AND event = 'erased') || ' ' ||
       (SELECT count(*) FROM compliance.blocked_subjects WHERE subject = '$subject');
});
}

sub ledgers_verify
{
	return $node->safe_psql('postgres',
		"SELECT bool_and(ok) FROM compliance.verify_ledger()");
}

# Kills the postmaster and restarts after crash recovery.
sub crash_and_restart
{
	my $postmaster = $node->{_pid};
	$node->kill9;
	for (my $i = 0; $i < 300 && kill(0, $postmaster); $i++)
	{
		usleep(100_000);
	}
	# backends notice the postmaster's death on their own
	usleep(500_000);
	$node->start;
}

# Waits until a backend runs a statement matching the pattern.
sub wait_for_statement
{
	my ($pattern, $state) = @_;
	for (my $i = 0; $i < 600; $i++)
	{
		my $n = $node->safe_psql('postgres',
			"SELECT count(*) FROM pg_stat_activity WHERE query LIKE '$pattern' AND state = '$state' AND pid <> pg_backend_pid()");
		return 1 if $n > 0;
		usleep(50_000);
	}
	return 0;
}

is(state_of(1), '1 10 1 0 0', 'subject 1 before: patient, 10 visits, an invoice');

# (a) erased in an open transaction, then the kill
my ($out, $err) = ('', '');
my $open = IPC::Run::start(
	[
		'psql', '-X', '-h', $node->host, '-p', $node->port, '-d', 'postgres',
		'-c', "BEGIN; SELECT compliance.erase_subject('1') IS NOT NULL AS erased; SELECT pg_sleep(60); COMMIT;"
	],
	'>', \$out, '2>', \$err);
ok(wait_for_statement('%pg_sleep(60)%', 'active'), '(a) the erasure ran, its transaction still open');
crash_and_restart();
$open->finish;
is(state_of(1), '1 10 1 0 0', '(a) after recovery every row of subject 1 is there, no erased event, no block');
is(ledgers_verify(), 't', '(a) both chains verify');
is($node->safe_psql('postgres', "SELECT compliance.consent_status('1', 'reminders')"),
	'given', '(a) the consent is still in force');

# (b) erased and committed, then the kill
$node->safe_psql('postgres', "SELECT compliance.erase_subject('2')");
crash_and_restart();
is(state_of(2), '0 0 1 1 1',
	'(b) after recovery subject 2 has no row but the retained invoice, the erased event, a block');
is(ledgers_verify(), 't', '(b) both chains verify');

# (c) killed while a long erasure runs: all or nothing
is(state_of(3), '1 1000010 1 0 0', '(c) subject 3 before: 1000010 visits');
($out, $err) = ('', '');
my $long = IPC::Run::start(
	[
		'psql', '-X', '-h', $node->host, '-p', $node->port, '-d', 'postgres',
		'-c', "SELECT compliance.erase_subject('3') IS NOT NULL AS erased"
	],
	'>', \$out, '2>', \$err);
ok(wait_for_statement(q{%erase_subject(''3'')%}, 'active'), '(c) the erasure runs');
my $pid = $node->safe_psql('postgres',
	q{SELECT pid FROM pg_stat_activity WHERE query LIKE '%erase_subject(''3'')%' AND state = 'active' AND pid <> pg_backend_pid()});
usleep(200_000);
# The backend itself is killed (as the out-of-memory killer would): the
# postmaster then stops every backend and recovers from the WAL.
kill 'KILL', $pid;
$long->finish;
my $back = 0;
for (my $i = 0; $i < 600 && !$back; $i++)
{
	usleep(100_000);
	$back = $node->psql('postgres', 'SELECT 1') == 0;
}
ok($back, '(c) the server recovered from the crash');
my $after = state_of(3);
note "(c) subject 3 after recovery: $after";
ok($after eq '1 1000010 1 0 0' || $after eq '0 0 1 1 1',
	'(c) after recovery subject 3 has all of its rows and no erased event, or none and the event');
is(ledgers_verify(), 't', '(c) both chains verify');

# erasure goes on after the recoveries, on the same chains
is($node->safe_psql('postgres',
		"SELECT compliance.erase_subject('3') ->> 'outcome'"),
	'blocked', 'erasing subject 3 again completes (the invoice stays blocked)');
like(state_of(3), qr/^0 0 1 [12] 1$/, 'subject 3 is erased (a second erased event if the first erasure had committed)');
is(ledgers_verify(), 't', 'both chains verify at the end');

$node->stop;
done_testing();
