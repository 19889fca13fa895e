# test/t/004_update.pl: ALTER EXTENSION compliance UPDATE from the first
# released version (1.0) keeps a database in use working.
#
# A clinic installs 1.0, registers purposes, protects a table, records
# consents, a block and a disclosure, and then updates.  After the update:
#   (a) the version is the default one, and the library agrees;
#   (b) the extension's objects are exactly those of a fresh install of the
#       default version (same functions with the same definitions, tables
#       and columns, views, grants, comments and dump registrations);
#   (c) registry, ledger and disclosure log are unchanged and verify;
#   (d) enforcement still filters by the same consents, and new consents
#       chain onto the ledger written by 1.0.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('update');
$node->init;
$node->append_conf('postgresql.conf',
	"shared_preload_libraries = 'compliance'");
$node->start;

my $default_version = $node->safe_psql('postgres',
	"SELECT default_version FROM pg_available_extensions WHERE name = 'compliance'");
isnt($default_version, '1.0', "the default version ($default_version) is newer than 1.0");

# ---------------------------------------------------------------------
# A clinic on 1.0
# ---------------------------------------------------------------------
$node->safe_psql('postgres', 'CREATE DATABASE clinic');
$node->safe_psql(
	'clinic', q{
CREATE EXTENSION compliance VERSION '1.0';
CREATE ROLE clerk LOGIN IN ROLE compliance_app;
SELECT compliance.set_processor('Clinic LLC', 'Minsk, Nezavisimosti Ave 1');
SELECT compliance.register_purpose('treatment', 'Medical treatment', 'medical_assistance');
SELECT compliance.register_purpose('marketing', 'Marketing e-mails', 'consent',
    retention => interval '1 year');
SELECT compliance.register_recipient('central_lab', 'Central Lab', 'Minsk', 'BY');
CREATE TABLE patients (id int PRIMARY KEY, name text, diagnosis text);
SELECT compliance.protect('patients', 'id', '{"diagnosis":"health"}');
GRANT SELECT, INSERT ON patients TO clerk;
SET compliance.purpose = 'treatment';
INSERT INTO patients SELECT g, 'Patient ' || g, NULL FROM generate_series(1, 6) g;
RESET compliance.purpose;
SELECT compliance.give_consent('1', '{marketing}', 'checkbox');
SELECT compliance.give_consent('2', '{marketing}', 'checkbox');
SELECT compliance.give_consent('3', '{marketing}', 'checkbox');
SELECT compliance.withdraw_consent('2', '{marketing}');
SELECT compliance.block_subject('3', 'accuracy disputed');
SELECT compliance.record_disclosure('1', 'central_lab', '{name}', 'treatment');
});

is( $node->safe_psql('clinic',
		"SELECT extversion FROM pg_extension WHERE extname = 'compliance'"),
	'1.0', 'the clinic runs version 1.0');

# What must survive the update, as text.
my $state_sql = q{
SELECT string_agg(format('%s|%s|%s', id, code, legal_basis), ',' ORDER BY id) FROM compliance.purposes;
SELECT string_agg(format('%s|%s', relid::regclass, subject_column), ',') FROM compliance.protected_tables;
SELECT count(*), max(id) FROM compliance.consent_ledger;
SELECT count(*) FROM compliance.disclosure_log;
SELECT ledger, rows, ok FROM compliance.verify_ledger() ORDER BY 1;
SET compliance.purpose = 'marketing';
SELECT string_agg(id::text, ',' ORDER BY id) FROM patients;
};
my $before = $node->safe_psql('clinic', $state_sql);
like($before, qr/\n1\n\n?.*\|t\n.*\|t\n1$/s,
	'before: ledgers verify and only subject 1 may be processed for marketing');

# ---------------------------------------------------------------------
# The update
# ---------------------------------------------------------------------
my ($rc, $out, $err) = $node->psql('clinic', 'ALTER EXTENSION compliance UPDATE',
	on_error_stop => 1);
is($rc, 0, 'ALTER EXTENSION compliance UPDATE succeeds') or diag($err);
is($err, '', '... without messages');
is( $node->safe_psql('clinic',
		"SELECT extversion, compliance.library_version() FROM pg_extension WHERE extname = 'compliance'"),
	"$default_version|$default_version",
	'(a) the clinic now runs the default version, and so does the library');

# ---------------------------------------------------------------------
# (b) The same objects as a fresh install
# ---------------------------------------------------------------------
$node->safe_psql('postgres', 'CREATE DATABASE fresh');
$node->safe_psql('fresh', 'CREATE EXTENSION compliance');

# Every member object of the extension, described with what a user sees of
# it: definitions, columns, privileges, comments, dump registration.
my $members_sql = q{
SELECT pg_describe_object(d.classid, d.objid, 0) AS object,
       CASE d.classid
         WHEN 'pg_proc'::regclass THEN
           (SELECT concat_ws(' ', pg_get_function_identity_arguments(p.oid),
                   pg_get_function_result(p.oid), p.provolatile, p.proparallel,
                   p.prosecdef, p.proisstrict, p.proconfig::text, p.proacl::text,
                   md5(p.prosrc))
              FROM pg_proc p WHERE p.oid = d.objid)
         WHEN 'pg_class'::regclass THEN
           (SELECT concat_ws(' ', c.relkind, c.relacl::text,
                   (SELECT string_agg(a.attname || ':' || format_type(a.atttypid, a.atttypmod)
                                      || CASE WHEN a.attnotnull THEN '!' ELSE '' END,
                                      ',' ORDER BY a.attnum)
                      FROM pg_attribute a
                     WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped),
                   CASE WHEN c.relkind = 'v' THEN md5(pg_get_viewdef(c.oid)) END)
              FROM pg_class c WHERE c.oid = d.objid)
         WHEN 'pg_type'::regclass THEN
           (SELECT concat_ws(' ', t.typtype, t.typlen,
                   (SELECT string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder)
                      FROM pg_enum e WHERE e.enumtypid = t.oid))
              FROM pg_type t WHERE t.oid = d.objid)
       END AS definition,
       obj_description(d.objid, d.classid::regclass::name) AS comment
  FROM pg_depend d
 WHERE d.refclassid = 'pg_extension'::regclass
   AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'compliance')
   AND d.deptype = 'e'
 ORDER BY 1;
SELECT array(SELECT c::regclass::text FROM unnest(extconfig) c ORDER BY 1), extcondition
  FROM pg_extension WHERE extname = 'compliance';
};
my $fresh = $node->safe_psql('fresh', $members_sql);
my $updated = $node->safe_psql('clinic', $members_sql);
cmp_ok(scalar(split /\n/, $fresh), '>', 100,
	'(b) a fresh install has its objects listed');
is($updated, $fresh,
	'(b) the updated database has exactly the objects of a fresh install');

# ---------------------------------------------------------------------
# (c), (d) Data and enforcement
# ---------------------------------------------------------------------
is($node->safe_psql('clinic', $state_sql), $before,
	'(c) registry, ledger, disclosure log and enforcement are as before');

like( $node->safe_psql(
		'clinic', q{
SELECT compliance.give_consent('4', '{marketing}', 'checkbox');
SELECT compliance.withdraw_consent('1', '{marketing}');
SELECT ledger, rows, ok FROM compliance.verify_ledger() WHERE ledger = 'consent';
SET compliance.purpose = 'marketing';
SELECT string_agg(id::text, ',' ORDER BY id) FROM patients;
}),
	qr/\nconsent\|6\|t\n4$/,
	'(d) consents given after the update chain onto the 1.0 ledger and are enforced');

($rc, $out, $err) = $node->psql(
	'clinic', q{SET compliance.purpose = 'marketing';
INSERT INTO patients VALUES (2, 'Patient 2 again', NULL);},
	extra_params => [ '-U', 'clerk' ]);
like($err, qr/withdr/, '(d) a write for a subject who withdrew is still refused');

$node->stop;

done_testing();
