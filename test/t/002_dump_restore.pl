# test/t/002_dump_restore.pl: a database using the extension survives
# pg_dump -Fc and pg_restore into a fresh database: the registry, the
# consent ledger and state, blocks, the admins' changes to the shipped
# reference lists, the enforcement trigger, enforcement itself, and the
# schema (pg_dump -s).  A fresh install dumped with pg_dump -s and
# restored gives the same pg_dump -s, also with --binary-upgrade, which
# lists every object of the extension.
#
# Dump and restore run as a superuser with compliance.enforce = off: a
# dump must hold every row, and enforcement would otherwise refuse to let
# pg_dump read a protected table (no purpose declared) and pg_restore
# write one.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IPC::Run;

my $node = PostgreSQL::Test::Cluster->new('dump');
$node->init;
$node->append_conf('postgresql.conf',
	"shared_preload_libraries = 'compliance'");
$node->start;

my $enforce_off = '-c compliance.enforce=off';
my $dump = $node->basedir . '/src.dump';
my ($ret, $stdout, $stderr);

# Runs a client program against the node with PGOPTIONS set to $options
# (undef: unset); returns its exit status, stdout and stderr.
sub run_client
{
	my ($options, @cmd) = @_;
	my ($out, $err) = ('', '');

	local %ENV = %ENV;
	$ENV{PGHOST} = $node->host;
	$ENV{PGPORT} = $node->port;
	if (defined $options)
	{
		$ENV{PGOPTIONS} = $options;
	}
	else
	{
		delete $ENV{PGOPTIONS};
	}
	IPC::Run::run(\@cmd, '>', \$out, '2>', \$err);
	return ($? >> 8, $out, $err);
}

# pg_dump -s of a database, without what differs between two databases
# of the same schema: the random \restrict key and, with --binary-upgrade
# (which also dumps every member of the extension, as pg_upgrade would
# recreate it), OIDs, relfilenodes and transaction ids.
sub schema_dump
{
	my ($db, @options) = @_;
	my ($ret, $out, $err) =
	  run_client($enforce_off, 'pg_dump', '-s', @options, $db);

	local $Test::Builder::Level = $Test::Builder::Level + 1;
	is($ret, 0, join(' ', 'pg_dump -s', @options, $db, 'succeeds'))
	  or diag($err);
	$out =~ s/^\\(un)?restrict .*$//mg;
	$out =~ s/(binary_upgrade_set_next_\w+)\([^)]*\)/$1(N)/g;
	$out =~ s/relfrozenxid = '\d+', relminmxid = '\d+'/relfrozenxid = X/g;
	$out =~ s/^WHERE oid = '\d+';$/WHERE oid = N;/mg;
	$out =~ s/(binary_upgrade_create_empty_extension\([^{]*)'\{[\d,]*\}'/$1'OIDS'/g;
	return $out;
}

# ---------------------------------------------------------------------
# The source database: a clinic with a registry, consents, a block and
# edited reference lists.
# ---------------------------------------------------------------------
$node->safe_psql('postgres', 'CREATE DATABASE src');
$node->safe_psql(
	'src', q{
CREATE EXTENSION compliance;
CREATE ROLE clerk LOGIN IN ROLE compliance_app;

SELECT compliance.set_processor('Clinic LLC', 'Minsk, Nezavisimosti Ave 1');
-- a purpose on a basis other than consent, which allows health data (Art. 8.2)
SELECT compliance.register_purpose('treatment', 'Medical treatment', 'medical_assistance',
    data_items => ARRAY['name', 'email', 'patients.diagnosis']);
-- consent-based purposes: one limited to some columns (Art. 4.5), one not
SELECT compliance.register_purpose('marketing', 'Marketing e-mails', 'consent',
    retention => interval '1 year', data_items => ARRAY['id', 'name', 'email']);
SELECT compliance.register_purpose('research', 'Clinical research', 'consent',
    data_items => ARRAY['name', 'patients.diagnosis'],
    actions => ARRAY['collection', 'use']::compliance.processing_action[]);
SELECT compliance.register_recipient('central_lab', 'Central Lab', 'Minsk', 'BY',
    'authorised_person');
SELECT compliance.register_recipient('insurer', 'Insurer GmbH', 'Berlin', 'DE');

CREATE TABLE patients (id int PRIMARY KEY, name text, email text, diagnosis text);
SELECT compliance.protect('patients', 'id', '{"diagnosis":"health"}');
GRANT SELECT ON patients TO clerk;
-- the purposes the clerk may declare (Art. 17.3), kept by role name
SELECT compliance.grant_purpose(p, 'clerk')
  FROM unnest(ARRAY['treatment', 'marketing', 'research']::compliance.purpose[]) p;

-- each patient's own ground for treatment (Art. 8.2); Dan's has ended
SELECT compliance.record_basis(s::text, 'treatment', '2026-01-01 00:00+00') FROM generate_series(1, 5) s;
SET compliance.purpose = 'treatment';
INSERT INTO patients VALUES
    (1, 'Ann', 'ann@example.org', 'flu'),
    (2, 'Bob', 'bob@example.org', 'asthma'),
    (3, 'Cid', 'cid@example.org', NULL),
    (4, 'Dan', 'dan@example.org', NULL),
    (5, 'Eve', 'eve@example.org', 'fracture');
RESET compliance.purpose;
SELECT compliance.end_basis('4', 'treatment', '2026-06-30 00:00+00', 'discharged');

SELECT compliance.give_consent('1', '{marketing}', 'checkbox');
SELECT compliance.give_consent('2', '{marketing,research}', 'sms_code');
SELECT compliance.give_consent('3', '{marketing}', 'email_code',
    valid_until => now() + interval '1 year');
SELECT compliance.withdraw_consent('2', '{marketing}');
SELECT compliance.give_consent('1', '{marketing}', 'written');
SELECT compliance.refuse_consent('4', '{marketing}');
SELECT compliance.give_consent('5', '{marketing}', 'checkbox');
SELECT compliance.block_subject('5', 'erasure requested, deletion pending');

-- staff are numbered from 1 too: employee 1 is not patient 1
SELECT compliance.register_subject_kind('employee', 'employee', 'работник');
CREATE TABLE staff (id int PRIMARY KEY, name text);
SELECT compliance.protect('staff', 'id', subject_kind => 'employee');
GRANT SELECT ON staff TO clerk;
SELECT compliance.give_consent('2', '{marketing}', 'checkbox', subject_kind => 'employee');
SET compliance.purpose = 'marketing';
INSERT INTO staff VALUES (2, 'Gus');
RESET compliance.purpose;
SET compliance.enforce = off;
INSERT INTO staff VALUES (1, 'Fay');
RESET compliance.enforce;

-- labels of every kind of item, the table and column ones by relation
SELECT compliance.set_label('marketing', 'ru', 'Рассылка предложений');
SELECT compliance.set_label('insurer', 'be', 'Страхавая кампанія');
SELECT compliance.set_label('employee', 'en', 'employee of the clinic');
SELECT compliance.set_label('patients', 'ru', 'Карта пациента');
SELECT compliance.set_label('patients.diagnosis', 'ru', 'диагноз');

INSERT INTO compliance.adequate_countries (country, note) VALUES ('JP', 'added by the admin');
DELETE FROM compliance.adequate_countries WHERE country = 'TR';
INSERT INTO compliance.holidays (day, name) VALUES
    ('2027-01-08', 'Transferred day off'), ('2099-06-15', 'Company day');
-- the calendar: a shipped working Saturday removed, another and a
-- confirmed year replaced by the admin's own rows, a year confirmed
SELECT compliance.set_working_day('2025-07-12', false);
SELECT compliance.set_working_day('2025-12-20', true, 'Working Saturday (company order)');
INSERT INTO compliance.calendar_years (year, confirmed_by) VALUES
    (2026, 'checked again'), (2027, 'resolution No. ... (test)');
INSERT INTO compliance.adequate_countries (country, note) VALUES ('KZ', 'replaced by the admin');
});

is( $node->safe_psql(
		'src',
		"SELECT ledger, rows, ok FROM compliance.verify_ledger() WHERE ledger = 'consent'"
	),
	'consent|8|t',
	'source: the consent ledger has 8 intact rows');

# ---------------------------------------------------------------------
# Dump
# ---------------------------------------------------------------------
($ret, $stdout, $stderr) =
  run_client(undef, 'pg_dump', '-Fc', '-f', $dump, 'src');
isnt($ret, 0,
	'pg_dump with enforcement on fails rather than dumping a protected table');
like(
	$stderr,
	qr/no purpose of processing is declared/,
	'... because no purpose is declared');

($ret, $stdout, $stderr) =
  run_client($enforce_off, 'pg_dump', '-Fc', '-f', $dump, 'src');
is($ret, 0, 'pg_dump -Fc with compliance.enforce = off succeeds')
  or diag($stderr);
is($stderr, '', '... without messages');

# ---------------------------------------------------------------------
# Restore into a fresh database
# ---------------------------------------------------------------------
($ret, $stdout, $stderr) = run_client(undef, 'createdb', 'dst');
is($ret, 0, 'createdb dst') or diag($stderr);

($ret, $stdout, $stderr) =
  run_client($enforce_off, 'pg_restore', '-d', 'dst', $dump);

# pg_dump loads the data of extension tables in foreign-key order; the
# tables whose purpose columns are read through the registry reference
# compliance.purposes (registry_ref), so the registry comes first.
is($ret, 0, 'pg_restore into a fresh database succeeds')
  or diag($stderr);
is($stderr, '', '... without errors or warnings');
unlike($stderr, qr/duplicate key/,
	'no duplicate rows of the shipped reference lists');

# ---------------------------------------------------------------------
# The restored database equals the source
# ---------------------------------------------------------------------

# Runs $sql in both databases and compares the whole results as text.
sub same_in_both
{
	my ($sql, $name) = @_;
	my $src = $node->safe_psql('src', $sql);
	my $dst = $node->safe_psql('dst', $sql);

	local $Test::Builder::Level = $Test::Builder::Level + 1;
	isnt($src, '', "$name: the source has rows");
	is($dst, $src, "$name: same in the restored database");
	return $dst;
}

my $purposes = same_in_both(
	'SELECT id, code, title, legal_basis, retention, data_items, actions,
	        requires_identity, registered_at, registered_by
	   FROM compliance.purposes ORDER BY id', 'purposes');
like(
	$purposes,
	qr/^1\|treatment\|[^\n]*\|medical_assistance\|\|\{email,name,patients\.diagnosis\}\|[^\n]*\n2\|marketing\|[^\n]*\|consent\|[^|]*\|\{email,id,name\}\|/,
	'... with their ids, legal bases and data items');
same_in_both('SELECT last_value FROM compliance.purposes_id_seq',
	'purpose id sequence');
is( same_in_both(
		'SELECT purpose::text, grantee::text FROM compliance.purpose_grants ORDER BY 1, 2',
		'purpose grants'),
	"marketing|clerk\nresearch|clerk\ntreatment|clerk",
	'... the clerk holds its purposes in the restored database too');
same_in_both('SELECT name, location, country, updated_at FROM compliance.processor',
	'processor');
same_in_both('SELECT * FROM compliance.recipients ORDER BY code',
	'recipients');
is( same_in_both(
		'SELECT kind, title, title_ru FROM compliance.subject_kinds ORDER BY 1',
		'subject kinds'),
	"employee|employee|работник\nperson|person|физическое лицо",
	'... the registered kind and the shipped one, once each');
same_in_both(
	'SELECT relid::text, subject_column, subject_kind, protected_at, protected_by
	   FROM compliance.protected_tables ORDER BY 1', 'protected_tables');
same_in_both(
	'SELECT subject, subject_kind, purpose::text, status FROM compliance.consent_state ORDER BY 1, 2, 3',
	'consent state with its kinds');
same_in_both(
	'SELECT relid::text, column_name, category
	   FROM compliance.protected_columns ORDER BY 1, 2', 'protected_columns');
is( same_in_both(
		'SELECT kind, code, relid::text, column_name, lang, label
		   FROM compliance.labels ORDER BY 1, 2, 3, 4, 5', 'labels'),
	"column||patients|diagnosis|ru|диагноз\n"
	  . "purpose|marketing|||ru|Рассылка предложений\n"
	  . "recipient|insurer|||be|Страхавая кампанія\n"
	  . "subject_kind|employee|||en|employee of the clinic\n"
	  . "table||patients||ru|Карта пациента",
	'... labels of each kind');

is( $node->safe_psql(
		'dst',
		"SELECT tgenabled FROM pg_trigger
		  WHERE tgrelid = 'public.patients'::regclass
		    AND tgname = 'compliance_enforce_write'"),
	'A',
	'the enforcement trigger exists and fires always (ENABLE ALWAYS)');
same_in_both(
	"SELECT tgrelid::regclass, tgname, tgenabled FROM pg_trigger
	  WHERE NOT tgisinternal
	    AND tgrelid IN (SELECT oid FROM pg_class
	                     WHERE relnamespace IN ('public'::regnamespace, 'compliance'::regnamespace))
	  ORDER BY 1, 2", 'triggers');
same_in_both(
	'SELECT evtname, evtevent, evtenabled, evtfoid::regproc
	   FROM pg_event_trigger ORDER BY 1', 'event triggers');
same_in_both("SELECT relacl FROM pg_class WHERE oid = 'public.patients'::regclass",
	'privileges on the protected table');

# Ledger, consent state, blocks
my $ledger = same_in_both('SELECT * FROM compliance.verify_ledger() ORDER BY 1',
	'verify_ledger()');
like($ledger, qr/^consent\|8\|t\|$/m, '... the consent ledger is ok with 8 rows');
unlike($ledger, qr/\|f\|/, '... and every ledger is ok');
same_in_both('SELECT * FROM compliance.consent_ledger ORDER BY id',
	'consent ledger rows, hashes and receipts');
same_in_both('SELECT * FROM compliance.ledger_heads ORDER BY ledger',
	'ledger heads');
same_in_both('SELECT * FROM compliance.consent_state ORDER BY subject, purpose',
	'consent state');
same_in_both("SELECT compliance.consents_of('1')", 'consent receipts of a subject');

my $status = same_in_both(
	"SELECT s, p.code, compliance.consent_status(s::text, p.code::compliance.purpose)
	   FROM generate_series(1, 6) s, compliance.purposes p ORDER BY s, p.id",
	'consent_status()');
like($status, qr/^1\|marketing\|renewed$/m, '... subject 1 renewed marketing');
like($status, qr/^2\|marketing\|withdrawn$/m,
	'... subject 2 withdrew marketing');
like($status, qr/^2\|research\|given$/m, '... subject 2 gave research');
like($status, qr/^4\|marketing\|refused$/m, '... subject 4 refused marketing');
like($status, qr/^6\|marketing\|none$/m, '... subject 6 has none');

same_in_both('SELECT subject, reason, blocked_at, blocked_by
	            FROM compliance.blocked_subjects ORDER BY subject',
	'blocked subjects');
is( same_in_both(
		"SELECT id, subject, purpose, valid_from, valid_until, ended_at, end_reason
		   FROM compliance.subject_grounds ORDER BY id", 'grounds per subject') =~ tr/\n//,
	4, '... all five grounds, with the end of one');
same_in_both('SELECT last_value FROM compliance.subject_grounds_id_seq',
	'ground id sequence');
my $may = same_in_both(
	"SELECT s, p.code, compliance.may_process(s::text, p.code::compliance.purpose)
	   FROM generate_series(1, 6) s, compliance.purposes p ORDER BY s, p.id",
	'may_process()');
like($may, qr/^5\|marketing\|f$/m,
	'... the blocked subject may not be processed despite consent');
like($may, qr/^5\|treatment\|f$/m,
	'... nor under a purpose that needs no consent');
like($may, qr/^1\|marketing\|t$/m, '... a consenting subject may');

# Reference lists edited by the admin
my $adequate = same_in_both(
	'SELECT country, note, is_default FROM compliance.adequate_countries ORDER BY country',
	'adequate_countries');
like($adequate, qr/^JP\|added by the admin\|f$/m, '... the added country is there');
unlike($adequate, qr/^TR\|/m, '... the deleted shipped country is not');
same_in_both('SELECT * FROM compliance.removed_defaults ORDER BY tbl, key',
	'removed_defaults');
same_in_both('SELECT * FROM compliance.holidays ORDER BY day', 'holidays');
same_in_both('SELECT * FROM compliance.working_weekends ORDER BY day',
	'working_weekends');
my $years = same_in_both(
	'SELECT year, confirmed_by, is_default FROM compliance.calendar_years ORDER BY year',
	'calendar_years');
like($years, qr/^2026\|checked again\|f$/m,
	'... the admin\'s row that replaced a shipped year is there');
like($adequate, qr/^KZ\|replaced by the admin\|f$/m,
	'... so is the admin\'s row that replaced a shipped country');

# The protected table's rows, read by a superuser with enforcement off
same_in_both('SET compliance.enforce = off; SELECT * FROM patients ORDER BY id',
	'every row of the protected table');

# The schema, before anything below writes to either database (sequences
# included: the binary-upgrade dump sets their values)
is(schema_dump('dst'), schema_dump('src'),
	'pg_dump -s of the restored database equals that of the source');
is( schema_dump('dst', '--binary-upgrade'),
	schema_dump('src', '--binary-upgrade'),
	'... also with --binary-upgrade: every object of the extension is as in the source'
);

# ---------------------------------------------------------------------
# Enforcement on the restored table
# ---------------------------------------------------------------------

# Runs $sql as the non-superuser clerk; returns status, stdout, stderr.
sub as_clerk
{
	my ($db, $sql) = @_;
	return $node->psql($db, $sql, extra_params => [ '-U', 'clerk' ]);
}

for my $db ('src', 'dst')
{
	($ret, $stdout, $stderr) = as_clerk($db,
		"SET compliance.purpose = 'marketing'; SELECT id, name FROM patients ORDER BY id"
	);
	is($stdout, "1|Ann\n3|Cid",
		"$db: under a consent purpose only consenting subjects' rows are visible"
	) or diag($stderr);

	($ret, $stdout, $stderr) = as_clerk($db,
		"SET compliance.purpose = 'marketing'; SELECT id, name FROM staff ORDER BY id"
	);
	is($stdout, "2|Gus",
		"$db: employee 2's own consent, not patient 1's, opens the staff table"
	) or diag($stderr);

	($ret, $stdout, $stderr) = as_clerk($db,
		"SET compliance.purpose = 'research'; SELECT id, diagnosis FROM patients ORDER BY id"
	);
	is($stdout, "2|asthma",
		"$db: health data only of the subject who consented to research")
	  or diag($stderr);

	($ret, $stdout, $stderr) = as_clerk($db,
		"SET compliance.purpose = 'treatment'; SELECT id FROM patients ORDER BY id"
	);
	is($stdout, "1\n2\n3",
		"$db: under a purpose without consent, the subjects with a ground in force but the blocked one"
	) or diag($stderr);

	($ret, $stdout, $stderr) =
	  as_clerk($db, 'SELECT id FROM patients ORDER BY id');
	isnt($ret, 0, "$db: reading the protected table without a purpose fails");
	like(
		$stderr,
		qr/no purpose of processing is declared/,
		"$db: ... with an error saying no purpose is declared");
}

($ret, $stdout, $stderr) = $node->psql(
	'dst', q{
\set VERBOSITY verbose
SET compliance.purpose = 'marketing';
INSERT INTO patients (id, name) VALUES (6, 'Fay');
});
like(
	$stderr,
	qr/42501: purpose "marketing" may not process personal data of subject "6"/,
	'dst: the restored write trigger refuses a row of a subject without consent'
);

($ret, $stdout, $stderr) = $node->psql('dst',
	"SELECT compliance.register_purpose('billing', 'Billing', 'contract_with_subject')"
);
is($stdout, 'billing', 'dst: a new purpose can be registered after the restore')
  or diag($stderr);
is( $node->safe_psql('dst',
		"SELECT id FROM compliance.purposes WHERE code = 'billing'"),
	'4',
	'... with the id following the restored ones');

# ---------------------------------------------------------------------
# A fresh install, dumped with pg_dump -s and restored
# ---------------------------------------------------------------------
$node->safe_psql('postgres', 'CREATE DATABASE fresh');
$node->safe_psql('fresh', 'CREATE EXTENSION compliance');
my $fresh = schema_dump('fresh');
like($fresh, qr/^CREATE EXTENSION IF NOT EXISTS compliance WITH SCHEMA compliance;$/m,
	'a fresh install dumps as CREATE EXTENSION');
unlike($fresh, qr/^(CREATE|ALTER|GRANT|REVOKE) (?!EXTENSION|SCHEMA)/m,
	'... and nothing else that a restore would create a second time');
my $fresh_binary = schema_dump('fresh', '--binary-upgrade');
like($fresh_binary,
	qr/^ALTER EXTENSION compliance ADD FUNCTION compliance\.erase_subject\(/m,
	'... with --binary-upgrade, every object of the extension is dumped');

my $fresh_dump = $node->basedir . '/fresh.sql';
open(my $fh, '>', $fresh_dump) or die "$fresh_dump: $!";
print $fh $fresh;
close($fh);
($ret, $stdout, $stderr) = run_client(undef, 'createdb', 'fresh_restored');
($ret, $stdout, $stderr) = run_client(undef, 'psql', '-X', '-q', '-v',
	'ON_ERROR_STOP=1', '-d', 'fresh_restored', '-f', $fresh_dump);
is($ret, 0, 'the schema dump of a fresh install restores into a fresh database')
  or diag($stderr);
is($stderr, '', '... without messages');
is( $node->safe_psql('fresh_restored',
		"SELECT e.extversion = a.default_version AND e.extversion = compliance.library_version()
		   FROM pg_extension e JOIN pg_available_extensions a ON a.name = e.extname
		  WHERE e.extname = 'compliance'"),
	't',
	'... at the default version, which the library reports too');
is(schema_dump('fresh_restored'), $fresh,
	'... and gives the same pg_dump -s');
is(schema_dump('fresh_restored', '--binary-upgrade'), $fresh_binary,
	'... also with --binary-upgrade: the same objects, definitions, privileges and comments');

$node->stop;

done_testing();
