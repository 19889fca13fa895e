# test/t/005_crash.pl: a crash of the server loses no acknowledged consent
# event or disclosure, leaves both hash chains valid, and enforcement
# afterwards follows the ledger.
#
# Eight pgbench clients give and withdraw consent and record a disclosure
# (compliance.record_disclosure(), in the same transaction) for subjects of
# their own.  After each COMMIT is acknowledged, the client appends the
# subject, the consent ledger's latest id for it and the disclosure's id
# to a file outside the database.  Mid-run the postmaster is killed with
# SIGKILL; after crash recovery:
#   (a) every acknowledged consent event and disclosure is present
#       (Art. 5.7: the processor must be able to prove consent; Art. 12:
#       the list of recipients);
#   (b) compliance.verify_ledger() finds both chains intact;
#   (c) consent_state holds, for every subject, the ledger's latest event;
#   (d) enforcement lets exactly the subjects whose latest event gives
#       consent be processed, in a new session and in one whose cache was
#       warm before a withdrawal made after the restart;
#   (e) consent and disclosure writing goes on, on the same chains.
#
# Automatic capture (compliance.recipient) is documented to lose records
# still in shared memory at a crash, so only the explicit, transactional
# record_disclosure() is held to acknowledged-means-present here.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use IPC::Run;
use Test::More;
use Time::HiRes qw(usleep);

my $clients = 8;
my $per_client = 40;    # subjects client c owns: c * 100 + 1 .. c * 100 + 40

my $node = PostgreSQL::Test::Cluster->new('crash');
$node->init;
# The test cluster runs with fsync = off: a killed server loses nothing
# the operating system holds, so what is tested is PostgreSQL's and the
# extension's own recovery, not the disk's.
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'compliance'
max_connections = 40
});
$node->start;

$node->safe_psql(
	'postgres', qq{
CREATE EXTENSION compliance;
SELECT compliance.set_processor('Shop LLC', 'Minsk, Nezavisimosti Ave 1');
SELECT compliance.register_purpose('newsletter', 'Newsletter', 'consent');
SELECT compliance.register_recipient('bureau', 'Mailing bureau', 'Minsk', 'BY');
CREATE TABLE customers (id int PRIMARY KEY, subject int NOT NULL UNIQUE, email text);
INSERT INTO customers
SELECT c * 100 + k, c * 100 + k, 'c' || (c * 100 + k) || '\@example.by'
  FROM generate_series(0, $clients - 1) c, generate_series(1, $per_client) k;
SELECT compliance.protect('customers', 'subject');
});

# One transaction: give or withdraw consent for one of the client's own
# subjects (no two clients race on a subject's state, all of them on the
# chain head), record a disclosure, and read back what was written; once
# the COMMIT is acknowledged, append it to the client's line of the file.
my $acks = $PostgreSQL::Test::Utils::tmp_check . '/crash_acks.txt';
unlink $acks;
my $script = $PostgreSQL::Test::Utils::tmp_check . '/crash_workload.sql';
PostgreSQL::Test::Utils::append_to_file(
	$script, qq{\\set subj :client_id * 100 + random(1, $per_client)
\\set give random(0, 1)
BEGIN;
\\if :give
SELECT compliance.give_consent(:subj::text, 'newsletter', 'checkbox') IS NOT NULL AS done \\gset
\\else
SELECT compliance.withdraw_consent(:subj::text, 'newsletter') AS done \\gset
\\endif
SELECT compliance.record_disclosure(:subj::text, 'bureau', ARRAY['email'], 'newsletter') AS did \\gset
SELECT coalesce(max(id), 0) AS lid FROM compliance.consent_ledger WHERE subject = :subj::text \\gset
COMMIT;
\\shell echo :client_id :subj :lid :did >> $acks
});

my ($out, $err) = ('', '');
my $bench = IPC::Run::start(
	[
		'pgbench', '-n', '-c', $clients, '-j', '2', '-T', '60',
		'-f', $script, '-h', $node->host, '-p', $node->port, 'postgres'
	],
	'>', \$out, '2>', \$err);

# Let the clients commit transactions, take a checkpoint, let them commit
# as many again, then crash: recovery replays the second half from WAL.
my $acked = sub { -f $acks ? scalar(() = slurp_file($acks) =~ /\n/g) : 0 };
my $wait_for = sub {
	my ($n) = @_;
	for (my $i = 0; $i < 300 && $acked->() < $n; $i++)
	{
		usleep(100_000);
	}
};
$wait_for->(200);
$node->safe_psql('postgres', 'CHECKPOINT');
my $at_checkpoint = $acked->();
$wait_for->($at_checkpoint + 200);
my $postmaster = $node->{_pid};
$node->kill9;
note "acknowledged: $at_checkpoint at the checkpoint, " . $acked->() . ' at the kill';
$bench->finish;
note "pgbench after the crash: $err";
isnt($bench->result, 0, 'pgbench stops when the server is killed');

my @acks = map { [split / /] } split /\n/, slurp_file($acks);
cmp_ok(scalar(@acks), '>=', 400,
	'the clients had committed transactions before the kill');
my %clients_seen = map { $_->[0] => 1 } @acks;
is(scalar(keys %clients_seen), $clients, '... from every client');

# Backends notice the postmaster's death on their own; a new postmaster
# refuses to start while the old one exists or any of them still holds
# the shared memory.
for (my $i = 0; $i < 300 && kill(0, $postmaster); $i++)
{
	usleep(100_000);
}
my $started = 0;
for (my $i = 0; $i < 30 && !$started; $i++)
{
	$started = $node->start(fail_ok => 1);
	sleep 1 unless $started;
}
ok($started, 'the server restarts after SIGKILL of the postmaster');
ok($node->log_contains('database system was interrupted|was not properly shut down'),
	'... through crash recovery');

# (a) Every acknowledged commit is there.
my $values = join(',', map { "($_->[1], $_->[2], $_->[3])" } @acks);
is( $node->safe_psql(
		'postgres', qq{
SELECT count(*) FILTER (WHERE l.id IS NULL AND a.lid > 0),
       count(*) FILTER (WHERE d.id IS NULL)
  FROM (VALUES $values) a(subj, lid, did)
  LEFT JOIN compliance.consent_ledger l ON l.id = a.lid AND l.subject = a.subj::text
  LEFT JOIN compliance.disclosure_log d ON d.id = a.did AND d.subject = a.subj::text
                                      AND d.recipient = 'bureau' AND d.source = 'explicit'}),
	'0|0',
	'every acknowledged consent event and disclosure survived the crash');
# No acknowledged withdrawal or consent of a subject is followed, in the
# ledger, by nothing: its latest event is at least the acknowledged one.
is( $node->safe_psql(
		'postgres', qq{
SELECT count(*)
  FROM (SELECT subj, max(lid) AS lid FROM (VALUES $values) a(subj, lid, did) GROUP BY subj) a
 WHERE a.lid > (SELECT coalesce(max(id), 0) FROM compliance.consent_ledger l
                 WHERE l.subject = a.subj::text)}),
	'0',
	'... and no subject\'s ledger ends before its last acknowledged event');

# (b) Both hash chains verify.
is( $node->safe_psql(
		'postgres',
		q{SELECT string_agg(ledger || ':' || ok || ':' || coalesce(first_bad_id::text, '-'), ' ' ORDER BY ledger)
            FROM compliance.verify_ledger()}),
	'consent:true:- disclosure:true:-',
	'verify_ledger() finds both chains intact after recovery');

# (c) consent_state is the ledger's latest event, per subject.
my $latest = q{
SELECT DISTINCT ON (subject) subject, id, event
  FROM compliance.consent_ledger ORDER BY subject, id DESC};
is( $node->safe_psql(
		'postgres', qq{
SELECT count(*)
  FROM ($latest) l
  FULL JOIN compliance.consent_state s ON s.subject = l.subject
 WHERE s.ledger_id IS DISTINCT FROM l.id
    OR (l.event IN ('given', 'renewed')) IS DISTINCT FROM (s.status IN ('given', 'renewed'))}),
	'0',
	'consent_state holds each subject\'s latest ledger event');

# (d) Enforcement: exactly the subjects whose latest event gives consent.
my $expected = $node->safe_psql(
	'postgres', qq{
SELECT string_agg(subject, ',' ORDER BY subject::int) FROM ($latest) l
 WHERE event IN ('given', 'renewed')});
cmp_ok(length($expected), '>', 0, 'some subjects consent after the run');
my $visible = q{SELECT string_agg(subject::text, ',' ORDER BY subject) FROM customers};
is($node->safe_psql('postgres', "SET compliance.purpose = 'newsletter'; $visible"),
	$expected,
	'a new session processes exactly the subjects whose latest event gives consent');
is( $node->safe_psql(
		'postgres', qq{
SELECT count(*) FROM ($latest) l
 WHERE (event IN ('given', 'renewed'))
       IS DISTINCT FROM compliance.may_process(subject, 'newsletter')}),
	'0',
	'may_process() agrees for every subject with a ledger');

# The result of a query in a background session, without the newline
# that BackgroundPsql of some 16.x releases leaves on it.
sub ask
{
	my ($session, $sql) = @_;
	my $result = $session->query_safe($sql);
	chomp $result;
	return $result;
}

# A session with a warm cache sees a withdrawal made after the restart at
# its next statement.
my $first = (split /,/, $expected)[0];
my $s = $node->background_psql('postgres', on_error_stop => 1);
$s->query_safe("SET compliance.purpose = 'newsletter'");
is(ask($s, $visible), $expected, 'a session warms its cache');
$node->safe_psql('postgres', "SELECT compliance.withdraw_consent('$first')");
(my $without = ",$expected,") =~ s/,$first,/,/;
$without =~ s/^,|,$//g;
is(ask($s, $visible), $without,
	'... and leaves out a subject withdrawn after the restart at its next statement');
$s->quit;

# (e) Writing goes on, on the same chains.
$node->safe_psql(
	'postgres', qq{
SELECT compliance.give_consent('$first', 'newsletter', 'checkbox');
SELECT compliance.record_disclosure('$first', 'bureau', ARRAY['email'], 'newsletter');
});
is( $node->safe_psql(
		'postgres',
		q{SELECT string_agg(ledger || ':' || ok, ' ' ORDER BY ledger) FROM compliance.verify_ledger()}),
	'consent:true disclosure:true',
	'consent and disclosure writing resume on verified chains');

$node->stop;
done_testing();
