# test/t/011_capture_writer.pl: the disclosure writer (Art. 12 of Law
# 99-Z) drops nothing and is stopped by nothing an application or a
# database owner can do, and it behaves as a background worker should.
#
#   (a) an application transaction left idle after record_disclosure()
#       delays no other session: its reads and flush_disclosures() return
#       at once;
#   (b) nothing the database's owner, a non-superuser, does stops the
#       log: REVOKE CONNECT ... FROM PUBLIC, ALLOW_CONNECTIONS false,
#       CONNECTION LIMIT 0, and defaults (ALTER DATABASE ... SET) of
#       default_transaction_read_only = on, statement_timeout = '1ms',
#       lock_timeout, serializable isolation, asynchronous commit,
#       exit_on_error, search_path, role and session_authorization;
#   (c) ten databases capture at once, each keeping its session open: the
#       ninth and the tenth log too (8 rings; idle writers give theirs
#       back to a session that waits for one);
#   (d) DROP DATABASE of another database completes within a second while
#       writers run;
#   (e) a writer that is terminated is not restarted by the postmaster
#       (BGW_NEVER_RESTART) but by the next session that captures; a
#       configuration reload leaves it working;
#   (f) the writer connects as the bootstrap superuser but works as its
#       own role, compliance_writer, which no client can log in as and
#       no database owner can change.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time usleep);

my $node = PostgreSQL::Test::Cluster->new('capture_writer');
$node->init;
$node->append_conf('postgresql.conf',
	"shared_preload_libraries = 'compliance'\nmax_worker_processes = 20");
$node->start;

# The template of every database here: a protected table of 10 customers,
# a recipient, and the role app that reads for it.
$node->safe_psql('postgres', q{
CREATE ROLE app LOGIN;
CREATE ROLE owner_role LOGIN;
CREATE DATABASE tmpl;
});
$node->safe_psql('tmpl', q{
CREATE EXTENSION compliance;
GRANT compliance_app TO app;
SELECT compliance.set_processor('Shop LLC', 'Minsk');
SELECT compliance.register_purpose('billing', 'Billing', 'contract_with_subject', basis_scope => 'all_subjects');
SELECT compliance.register_recipient('bureau', 'Bureau', 'Minsk', 'BY');
CREATE TABLE customers (id int PRIMARY KEY, name text);
INSERT INTO customers SELECT g, 'Customer ' || g FROM generate_series(1, 10) g;
SELECT compliance.protect('customers', 'id');
GRANT SELECT ON customers TO app;
SELECT compliance.grant_purpose('billing', 'app');
});
$node->safe_psql('postgres', 'CREATE DATABASE shop TEMPLATE tmpl');

my $read = q{SET compliance.purpose = 'billing'; SET compliance.recipient = 'bureau';};

sub logged
{
	my ($db, $where) = @_;
	return $node->safe_psql($db,
		"SELECT count(*) FROM compliance.disclosure_log WHERE $where");
}

# Runs $sql as app in $db; returns its output and the seconds it took.
sub timed_as_app
{
	my ($db, $sql) = @_;
	my $start = time;
	my ($ret, $out, $err) = $node->psql($db, $sql, extra_params => [ '-U', 'app' ]);
	diag($err) if $ret != 0;
	return ($out, time - $start);
}

# ---------------------------------------------------------------------
# (a) An idle transaction after record_disclosure()
# ---------------------------------------------------------------------
my $idle = $node->background_psql('shop', extra_params => [ '-U', 'app' ]);
$idle->query_safe('BEGIN');
$idle->query_safe(
	q{SELECT compliance.record_disclosure('7', 'bureau', ARRAY['name'], 'billing')});
my ($out, $took) = timed_as_app('shop',
	"$read SELECT id FROM customers WHERE id = 1; SELECT compliance.flush_disclosures(30000);");
is($out, "1\nt", '(a) beside an idle transaction after record_disclosure(), a read and a flush return');
cmp_ok($took, '<', 2, "(a) ... at once ($took s)");
is(logged('shop', q{subject = '1' AND source = 'capture'}), '1', '(a) ... and the read is logged');
is(logged('shop', q{subject = '7' AND source = 'explicit'}), '1',
	'(a) the explicit record is committed while its transaction is still open');
$idle->query_safe('ROLLBACK');
$idle->quit;
is(logged('shop', q{subject = '7' AND source = 'explicit'}), '1',
	'(a) ... and stays when it rolls back');

# ---------------------------------------------------------------------
# (b) Hostile defaults set by a non-superuser database owner
# ---------------------------------------------------------------------
$node->safe_psql('postgres', 'CREATE DATABASE owned TEMPLATE tmpl OWNER owner_role');
$node->safe_psql('postgres', q{
REVOKE CONNECT ON DATABASE owned FROM PUBLIC;
GRANT CONNECT ON DATABASE owned TO app;
ALTER DATABASE owned SET default_transaction_read_only = on;
ALTER DATABASE owned SET synchronous_commit = off;
ALTER DATABASE owned SET statement_timeout = '1ms';
ALTER DATABASE owned SET lock_timeout = '1ms';
ALTER DATABASE owned SET idle_in_transaction_session_timeout = '1ms';
ALTER DATABASE owned SET default_transaction_isolation = 'serializable';
ALTER DATABASE owned SET exit_on_error = on;
ALTER DATABASE owned SET search_path = 'nowhere';
ALTER DATABASE owned SET standard_conforming_strings = off;
ALTER DATABASE owned SET quote_all_identifiers = on;
}, extra_params => [ '-U', 'owner_role' ]);
# the application (and this test) sets what it needs itself, when it connects
$ENV{PGOPTIONS} = '-c statement_timeout=0 -c lock_timeout=0 -c exit_on_error=off -c search_path=public'
  . ' -c standard_conforming_strings=on -c quote_all_identifiers=off';
($out) = timed_as_app('owned',
	"$read COPY (SELECT id FROM customers WHERE id <= 3 ORDER BY id) TO STDOUT;"
	  . ' SELECT compliance.flush_disclosures(30000);');
is($out, "1\n2\n3\nt",
	'(b) the owner revoked CONNECT from PUBLIC and set read-only, 1 ms timeouts, serializable: an export returns and the flush succeeds');
is(logged('owned', q{source = 'capture'}), '3', '(b) ... and the log holds the 3 disclosures');
is($node->safe_psql('owned', q{SELECT DISTINCT source_table FROM compliance.disclosure_records WHERE source = 'capture'}),
	'public.customers',
	'(b) ... written as without the defaults (standard_conforming_strings off, quote_all_identifiers on): the writer resets every database default');
is($node->safe_psql('owned', q{SET standard_conforming_strings = off; SELECT bool_and(ok) FROM compliance.verify_ledger()}),
	't', '(b) the chains verify in a session with standard_conforming_strings off');

# Connections closed, a role and a session user of the owner's as
# defaults: a writer started now must still get in and work as before.
my $kept = $node->background_psql('owned', extra_params => [ '-U', 'app' ]);
$kept->query_safe($read);
$node->safe_psql('postgres', q{
ALTER DATABASE owned ALLOW_CONNECTIONS false;
ALTER DATABASE owned CONNECTION LIMIT 0;
ALTER DATABASE owned SET role = 'owner_role';
ALTER DATABASE owned SET session_authorization = 'owner_role';
}, extra_params => [ '-U', 'owner_role' ]);
$node->safe_psql('postgres',
	q{SELECT pg_terminate_backend(pid) FROM pg_stat_activity
	   WHERE backend_type = 'compliance disclosure writer' AND datname = 'owned'});
$node->poll_query_until('postgres',
	q{SELECT count(*) = 0 FROM pg_stat_activity
	   WHERE backend_type = 'compliance disclosure writer' AND datname = 'owned'})
  or die 'the writer of database owned did not exit';
is($kept->query_safe('COPY (SELECT id FROM customers WHERE id IN (4, 5) ORDER BY id) TO STDOUT'),
	"4\n5", '(b) with connections disallowed and limited to 0, an export returns');
is($kept->query_safe('SELECT compliance.flush_disclosures(30000)'), 't', '(b) ... and the flush succeeds');
my ($rc, $err);
($rc, undef, $err) = $node->psql('postgres',
	q{SELECT pg_terminate_backend(pid) FROM pg_stat_activity
	   WHERE backend_type = 'compliance disclosure writer' AND datname = 'owned'},
	extra_params => [ '-U', 'owner_role' ]);
like($err, qr/must be a superuser to terminate superuser process|permission denied to terminate process/,
	'(b) the owner cannot terminate the writer, which is the bootstrap superuser\'s process');
$kept->quit;
$node->safe_psql('postgres', q{
ALTER DATABASE owned ALLOW_CONNECTIONS true;
ALTER DATABASE owned CONNECTION LIMIT -1;
ALTER DATABASE owned RESET session_authorization;
ALTER DATABASE owned RESET role;
});
is(logged('owned', q{source = 'capture' AND subject IN ('4', '5')}), '2', '(b) ... and both are logged');
is($node->safe_psql('owned', 'SELECT bool_and(ok) FROM compliance.verify_ledger()'),
	't', '(b) the chains verify');
delete $ENV{PGOPTIONS};

# ---------------------------------------------------------------------
# (c) Ten databases capture at once, each keeping its session
# ---------------------------------------------------------------------
my @sessions;
for my $i (1 .. 10)
{
	$node->safe_psql('postgres', "CREATE DATABASE cap$i TEMPLATE tmpl");
}
my $start = time;
for my $i (1 .. 10)
{
	my $s = $node->background_psql("cap$i", extra_params => [ '-U', 'app' ]);
	my $rows = $s->query_safe("$read SELECT id FROM customers WHERE id = $i");
	is($rows, $i, "(c) database $i of 10: the read returns");
	push @sessions, $s;
}
my $all = time - $start;
for my $i (1 .. 10)
{
	is(logged("cap$i", qq{subject = '$i' AND source = 'capture'}),
		'1', "(c) database $i of 10: logged, its session still open");
}
note sprintf('(c) ten databases read and logged in %.1f s', $all);

# ---------------------------------------------------------------------
# (d) DROP DATABASE of another database while writers run
# ---------------------------------------------------------------------
my $writers = $node->safe_psql('postgres',
	q{SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'compliance disclosure writer'});
cmp_ok($writers, '>=', 1, "(d) $writers writers run");
$node->safe_psql('postgres', 'CREATE DATABASE victim');
$node->safe_psql('postgres', 'CHECKPOINT');    # DROP DATABASE runs one too
$start = time;
$node->safe_psql('postgres', 'DROP DATABASE victim');
my $drop = time - $start;
cmp_ok($drop, '<', 1, sprintf('(d) DROP DATABASE of another database took %.2f s', $drop));
$_->quit for @sessions;

# ---------------------------------------------------------------------
# (e) Terminate and reload
# ---------------------------------------------------------------------
# A session of the database stays open throughout, so that its writer
# has a reason to stay (a writer leaves a database without sessions).
my $reader = $node->background_psql('shop', extra_params => [ '-U', 'app' ]);
$reader->query_safe($read);
is($reader->query_safe('SELECT id FROM customers WHERE id = 2'), '2', '(e) a read returns');
my $writer = $node->safe_psql('shop',
	q{SELECT pid FROM pg_stat_activity
	   WHERE backend_type = 'compliance disclosure writer' AND datname = 'shop'});
like($writer, qr/^\d+$/, '(e) the writer of database shop runs');
$node->safe_psql('postgres', "SELECT pg_terminate_backend($writer)");
$node->poll_query_until('shop',
	"SELECT count(*) = 0 FROM pg_stat_activity WHERE pid = $writer")
  or die 'the writer did not exit';
usleep(1_500_000);
is($node->safe_psql('shop',
		q{SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'compliance disclosure writer' AND datname = 'shop'}),
	'0', '(e) a terminated writer is not restarted by the postmaster');
is($reader->query_safe('SELECT id FROM customers WHERE id = 3'), '3',
	'(e) the next read starts a writer and returns');
is(logged('shop', q{subject = '3' AND source = 'capture'}), '1', '(e) ... logged');
$node->safe_psql('postgres', 'SELECT pg_reload_conf()');
usleep(200_000);
$reader->query_safe('SELECT id FROM customers WHERE id = 4');
is(logged('shop', q{subject = '4' AND source = 'capture'}), '1',
	'(e) after a configuration reload the writer still logs');

# ---------------------------------------------------------------------
# (f) The writer's role
# ---------------------------------------------------------------------
# Its work is done as compliance_writer: without the right to call the
# append function, the log cannot be written (a superuser could).
$node->safe_psql('shop', q{REVOKE EXECUTE ON FUNCTION
	compliance.disclosure_append_batch(text[], text, regclass, text[], text, text, text, timestamptz, text, name, text)
	FROM compliance_writer});
($rc, $out, $err) = $node->psql('shop', "$read SELECT id FROM customers WHERE id = 5",
	extra_params => [ '-U', 'app' ]);
isnt($rc, 0, '(f) without EXECUTE on the append function, the read ends with an error');
like($err, qr/permission denied for function disclosure_append_batch/,
	'(f) ... naming the privilege compliance_writer lacks: the writer works as that role');
$node->safe_psql('shop', q{GRANT EXECUTE ON FUNCTION
	compliance.disclosure_append_batch(text[], text, regclass, text[], text, text, text, timestamptz, text, name, text)
	TO compliance_writer});
is($reader->query_safe('SELECT compliance.flush_disclosures(30000)'), 't',
	'(f) the grant back lets the queued capture through');
is(logged('shop', q{subject = '5' AND source = 'capture'}), '1', '(f) ... logged');
my ($login_rc, $login_err);
($login_rc, undef, $login_err) = $node->psql('shop', 'SELECT 1', extra_params => [ '-U', 'compliance_writer' ]);
isnt($login_rc, 0, '(f) a client cannot log in as compliance_writer');
like($login_err, qr/role "compliance_writer" is not permitted to log in/, '(f) ... it is NOLOGIN');
($rc, $out, $err) = $node->psql('shop', 'ALTER ROLE compliance_writer LOGIN',
	extra_params => [ '-U', 'owner_role' ]);
isnt($rc, 0, '(f) a database owner cannot give the role a login');
$reader->quit;
is($node->safe_psql('shop', 'SELECT bool_and(ok) FROM compliance.verify_ledger()'),
	't', 'the chains verify');

$node->stop;
done_testing();
