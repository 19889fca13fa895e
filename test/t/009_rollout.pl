# test/t/009_rollout.pl: switching enforcement on for a live system
# without an outage, and backing it up without a superuser.
#
#   (a) An application that declares no purpose runs as pgbench clients
#       while its table is protected in report mode: no transaction fails,
#       and compliance.protection_report names what would break (no
#       purpose; a column outside the purpose's data items; rows of
#       subjects without consent), with no literal of the statements.
#   (b) The application is fixed (a purpose declared and granted, only its
#       data items read); the report stays empty; the table is enforced;
#       the fixed application still runs without a failed transaction,
#       and the old one now fails.
#   (c) pg_dump as a BYPASSRLS login holding compliance_backup and
#       pg_read_all_data dumps every row, and another owner's row level
#       security policy that reads the protected table runs no code during
#       it; pg_dump as a superuser with a purpose declared, and as the
#       backup login with --enable-row-security, fail instead of dumping
#       fewer rows.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IPC::Run;

my $node = PostgreSQL::Test::Cluster->new('rollout');
$node->init;
$node->append_conf('postgresql.conf', "shared_preload_libraries = 'compliance'");
$node->start;

$node->safe_psql(
	'postgres', q{
CREATE EXTENSION compliance;
CREATE ROLE shop_admin LOGIN IN ROLE compliance_admin;
CREATE ROLE shop_app LOGIN IN ROLE compliance_app;
CREATE ROLE shop_backup LOGIN BYPASSRLS IN ROLE compliance_backup, pg_read_all_data;
CREATE ROLE shop_backup_rls LOGIN IN ROLE compliance_backup, pg_read_all_data;
CREATE ROLE shop_plain LOGIN;
CREATE TABLE customers (id int PRIMARY KEY, name text, email text);
ALTER TABLE customers OWNER TO shop_admin;
GRANT SELECT, UPDATE ON customers TO shop_app;
INSERT INTO customers SELECT g, 'name ' || g, 'c' || g || '@example.by' FROM generate_series(1, 50) g;
});
$node->safe_psql(
	'postgres', q{
SET ROLE shop_admin;
SELECT compliance.set_processor('Shop LLC', 'Minsk');
SELECT compliance.register_purpose('newsletter', 'Newsletter', data_items => ARRAY['customers.email']);
SELECT compliance.grant_purpose('newsletter', 'shop_app');
});
# 40 of the 50 customers consented
$node->safe_psql('postgres',
	q{SET ROLE shop_app; SELECT count(compliance.give_consent(g::text, '{newsletter}', 'checkbox')) FROM generate_series(1, 40) g});

my $tmp = PostgreSQL::Test::Utils::tempdir;

# Runs a client program as $user; returns exit status, stdout, stderr.
sub run_client
{
	my ($options, @cmd) = @_;
	my ($out, $err) = ('', '');

	local %ENV = %ENV;
	$ENV{PGHOST} = $node->host;
	$ENV{PGPORT} = $node->port;
	if (defined $options) { $ENV{PGOPTIONS} = $options; }
	else { delete $ENV{PGOPTIONS}; }
	IPC::Run::run(\@cmd, '>', \$out, '2>', \$err);
	return ($? >> 8, $out, $err);
}

# The application's two versions, as pgbench scripts.
my $old_app = "$tmp/old_app.sql";
my $new_app = "$tmp/new_app.sql";
PostgreSQL::Test::Utils::append_to_file($old_app, q{
\set id random(1, 50)
SELECT name, email FROM customers WHERE id = :id;
UPDATE customers SET email = 'c' || :id || '@example.by' WHERE id = :id;
});
PostgreSQL::Test::Utils::append_to_file($new_app, q{
\set id random(1, 50)
SET compliance.purpose = 'newsletter';
SELECT email FROM customers WHERE id = :id;
UPDATE customers SET email = 'c' || :id || '@example.by' WHERE id = :id;
});

# pgbench as shop_app: 4 clients, $seconds seconds; returns its status and
# output (failed transactions make it exit non-zero).
sub workload
{
	my ($script, $seconds) = @_;
	return run_client(undef, 'pgbench', '-n', '-U', 'shop_app', '-c', '4', '-T', $seconds,
		'-f', $script, 'postgres');
}

# ---------------------------------------------------------------------
# (a) protected in report mode while the old application runs
# ---------------------------------------------------------------------
my $bench = IPC::Run::start(
	[ 'pgbench', '-n', '-h', $node->host, '-p', $node->port, '-U', 'shop_app',
	  '-c', '4', '-T', '4', '-f', $old_app, 'postgres' ],
	'>', \my $bench_out, '2>', \my $bench_err);
sleep 1;
$node->safe_psql('postgres',
	q{SET ROLE shop_admin; SELECT compliance.protect('customers', 'id', mode => 'report')});
ok($bench->finish, '(a) the old application ran through protect(..., mode => report) without a failed transaction')
  or diag($bench_err);

my ($ret, $out, $err) = workload($old_app, 2);
is($ret, 0, '(a) the old application keeps running in report mode') or diag($err);

my $report = q{SELECT event || ':' || coalesce(purpose, '-') || ':' || coalesce(detail, '-') || ':' || role
  FROM compliance.protection_report WHERE tbl = 'customers'::regclass GROUP BY 1 ORDER BY 1};
is( $node->safe_psql('postgres', "SET ROLE shop_admin; $report"),
	'no_purpose:-:-:shop_app', '(a) the report names the missing purpose');
like(
	$node->safe_psql('postgres',
		q{SET ROLE shop_admin; SELECT string_agg(DISTINCT statement, E'\n') FROM compliance.protection_report}),
	qr/^SELECT name, email FROM customers WHERE id = \?;\nUPDATE customers SET email = \? \|\| \? \|\| \? WHERE id = \?;$/,
	'(a) ... per statement shape, without literals');

# the developer declares the purpose, but still reads the name
my $half_app = "$tmp/half_app.sql";
PostgreSQL::Test::Utils::append_to_file($half_app, q{
\set id random(1, 50)
SET compliance.purpose = 'newsletter';
SELECT name, email FROM customers WHERE id = :id;
});
$node->safe_psql('postgres', q{SET ROLE shop_admin; SELECT compliance.reset_protection_report()});
($ret, $out, $err) = workload($half_app, 2);
is($ret, 0, '(a) a purpose declared, the name still read: runs') or diag($err);
is( $node->safe_psql('postgres', "SET ROLE shop_admin; $report"),
	"column_not_in_data_items:newsletter:name:shop_app\nrows_filtered:newsletter:no_ground:shop_app",
	'(a) the report names the column outside the data items, and the rows of subjects without consent');

# ---------------------------------------------------------------------
# (b) the fixed application; then enforce
# ---------------------------------------------------------------------
$node->safe_psql('postgres', q{SET ROLE shop_admin; SELECT compliance.reset_protection_report()});
# the 10 customers without consent are left alone from now on
my $fixed_app = "$tmp/fixed_app.sql";
PostgreSQL::Test::Utils::append_to_file($fixed_app, q{
\set id random(1, 40)
SET compliance.purpose = 'newsletter';
SELECT email FROM customers WHERE id = :id;
UPDATE customers SET email = 'c' || :id || '@example.by' WHERE id = :id;
});
($ret, $out, $err) = workload($fixed_app, 2);
is($ret, 0, '(b) the fixed application runs') or diag($err);
is($node->safe_psql('postgres', "SET ROLE shop_admin; $report"), '', '(b) ... and the report stays empty');

$node->safe_psql('postgres',
	q{SET ROLE shop_admin; SELECT compliance.set_protection_mode('customers', 'enforce')});
($ret, $out, $err) = workload($fixed_app, 2);
is($ret, 0, '(b) enforced: the fixed application runs without a failed transaction') or diag($err);
($ret, $out, $err) = workload($old_app, 1);
isnt($ret, 0, '(b) enforced: the old application fails');
like($err, qr/no purpose of processing is declared/, '(b) ... for want of a purpose');
is($node->safe_psql('postgres', "SET ROLE shop_admin; $report"), '', '(b) enforced tables add nothing to the report');

# ---------------------------------------------------------------------
# (c) backups
# ---------------------------------------------------------------------
# a blocked subject's rows must be in the backup too
$node->safe_psql('postgres', q{SELECT compliance.block_subject('7', 'disputed accuracy')});
# another owner's table whose policy would copy the protected rows out,
# if it ran inside the dump with the backup's right
$node->safe_psql(
	'postgres', q{
GRANT SELECT ON customers TO shop_plain;
CREATE SCHEMA plain AUTHORIZATION shop_plain;
SET ROLE shop_plain;
CREATE TABLE plain.notes (x int);
INSERT INTO plain.notes VALUES (1);
ALTER TABLE plain.notes ENABLE ROW LEVEL SECURITY;
CREATE FUNCTION plain.peek() RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    RAISE WARNING 'leak:%', (SELECT pg_catalog.string_agg(c.name, ',') FROM public.customers c);
    RETURN true;
END $$;
CREATE POLICY peek ON plain.notes USING (plain.peek());
});

($ret, $out, $err) = run_client(undef, 'pg_dump', '-U', 'shop_backup', '--data-only', 'postgres');
is($ret, 0, '(c) pg_dump as the backup login succeeds') or diag($err);
my @rows = grep { /^\d+\tname \d+\t/ } split /\n/, $out;
is(scalar(@rows), 50, '(c) ... with every row, those without consent and the blocked one');
like($out, qr/^1\n/m, "(c) ... and the other owner's table");
unlike($err . $out, qr/leak:/, "(c) ... whose policy ran no code inside the dump");

# a member that does not bypass row level security has no backup right:
# under --enable-row-security the other owner's policy runs, and reads
# the protected table as any role without a purpose would
($ret, $out, $err) = run_client(undef, 'pg_dump', '-U', 'shop_backup_rls', '--enable-row-security',
	'--data-only', 'postgres');
isnt($ret, 0, '(c) a backup member without BYPASSRLS fails');
unlike($err . $out, qr/leak:name/, "(c) ... and the other owner's policy read no protected row");
like(slurp_file($node->logfile), qr/protected table "customers" read in full by role "shop_backup" under compliance_backup/,
	'(c) ... and the read is logged');

($ret, $out, $err) = run_client(undef, 'pg_dump', '-U', 'shop_backup', '--enable-row-security',
	'-t', 'customers', '--data-only', 'postgres');
isnt($ret, 0, '(c) with --enable-row-security the backup login fails');
like($err, qr/no purpose of processing is declared/, '(c) ... for want of a purpose');

($ret, $out, $err) = run_client('-c compliance.purpose=newsletter', 'pg_dump', '-t', 'customers',
	'--data-only', 'postgres');
isnt($ret, 0, '(c) a superuser dumping under a purpose fails');
like($err, qr/cannot be read in full under purpose "newsletter" with row_security off/, '(c) ... saying why');

($ret, $out, $err) = run_client('-c compliance.purpose=newsletter', 'pg_dump', '-U', 'shop_app',
	'-t', 'customers', '--data-only', 'postgres');
isnt($ret, 0, '(c) the application role dumping under a purpose fails');

($ret, $out, $err) = run_client('-c compliance.enforce=off', 'pg_dump', '-t', 'customers', '--data-only', 'postgres');
is($ret, 0, '(c) a superuser with enforcement off dumps') or diag($err);
is(scalar(grep { /^\d+\tname \d+\t/ } split /\n/, $out), 50, '(c) ... every row');

$node->stop;
done_testing();
