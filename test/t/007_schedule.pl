# test/t/007_schedule.pl: compliance.schedule_maintenance() with pg_cron.
#
# Skipped unless pg_cron is installed for this server (Debian package
# postgresql-NN-cron, NN the server's major version).  With pg_cron preloaded and created in the database:
#   (a) the helper schedules the purge, the erase tasks and the deadline
#       checks as jobs of this database, and scheduling again replaces them;
#   (b) a job runs: the purge deletes expired data and logs its run;
#   (c) NULL leaves a job out, unschedule_maintenance() removes them all;
#   (d) in another database, where pg_cron cannot be created, the helper
#       fails with 55000 and says how to install it.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $pg_config = $ENV{PG_CONFIG} || 'pg_config';
my $pkglibdir = `$pg_config --pkglibdir`;
chomp $pkglibdir;
my ($major) = `$pg_config --version` =~ /^PostgreSQL (\d+)/;
if (!-f "$pkglibdir/pg_cron.so")
{
	plan skip_all => "pg_cron is not installed (Debian: postgresql-$major-cron)";
}

my $node = PostgreSQL::Test::Cluster->new('schedule');
$node->init;
$node->append_conf(
	'postgresql.conf', qq{
shared_preload_libraries = 'compliance,pg_cron'
cron.database_name = 'postgres'
cron.use_background_workers = on
max_worker_processes = 20
});
$node->start;

$node->safe_psql(
	'postgres', q{
CREATE EXTENSION compliance;
CREATE EXTENSION pg_cron;
SELECT compliance.set_processor('Clinic LLC', 'Minsk');
SELECT compliance.register_purpose('marketing', 'Marketing e-mails', data_items => ARRAY['email']);
CREATE TABLE subscribers (key text PRIMARY KEY, email text);
INSERT INTO subscribers VALUES ('s1', 's1@example.by'), ('s2', 's2@example.by'), ('s3', 's3@example.by');
SELECT compliance.protect('subscribers', 'key');
SELECT compliance.give_consent('s1', '{marketing}', 'checkbox');
SELECT compliance.give_consent('s2', '{marketing}', 'checkbox');
SELECT compliance.withdraw_consent('s2');
CREATE ROLE scheduler NOLOGIN IN ROLE compliance_admin;
});

# (a) three jobs in this database, run as the extension's owner
my $jobs = q{SELECT jobname, schedule, command, database, username FROM cron.job ORDER BY jobname};
$node->safe_psql('postgres',
	q{SET ROLE scheduler; SELECT * FROM compliance.schedule_maintenance('*/5 * * * *', '0 8 * * 1-5')});
is( $node->safe_psql('postgres', $jobs),
	join("\n",
		'compliance_check_deadlines@postgres|0 8 * * 1-5|SELECT compliance.check_deadlines()|postgres|postgres',
		'compliance_erase_tasks@postgres|*/5 * * * *|CALL compliance.process_erase_tasks_in_batches()|postgres|postgres',
		'compliance_purge_expired@postgres|*/5 * * * *|CALL compliance.purge_expired_in_batches()|postgres|postgres'),
	'the purge, erase tasks and deadline checks are scheduled in this database');

$node->safe_psql('postgres',
	q{SET ROLE scheduler; SELECT * FROM compliance.schedule_maintenance('* * * * *')});
is( $node->safe_psql('postgres',
		q{SELECT count(*), string_agg(DISTINCT schedule, ',') FROM cron.job WHERE jobname LIKE 'compliance_purge%' OR jobname LIKE 'compliance_erase%'}),
	'2|* * * * *',
	'scheduling again replaces the jobs');
is($node->safe_psql('postgres', 'SELECT count(*) FROM cron.job'),
	'3', 'still three jobs');

my ($ret, $out, $err) = $node->psql('postgres',
	q{SET ROLE scheduler; SELECT * FROM compliance.schedule_maintenance('not a schedule')});
isnt($ret, 0, 'pg_cron refuses an invalid schedule');

# (b) the every-minute jobs run: s2 withdrew its consent, so its row
# expires; of s3 nothing was ever recorded (data older than the
# extension), which a purge leaves alone unless an officer confirms
my $ran = $node->poll_query_until('postgres',
	q{SELECT EXISTS (SELECT FROM cron.job_run_details d JOIN cron.job j USING (jobid)
	                  WHERE j.jobname LIKE 'compliance_purge_expired%' AND d.status = 'succeeded')},
	't');
ok($ran, 'the scheduled purge ran');
is( $node->safe_psql('postgres',
		q{SET compliance.enforce = off; SELECT string_agg(key, ',' ORDER BY key) FROM subscribers}),
	's1,s3', 'the scheduled jobs deleted the expired row, kept the consenting one and the unrecorded one');
ok( $node->safe_psql('postgres', 'SELECT count(*) > 0 FROM compliance.purge_log')
	  eq 't', 'and logged its run');
is( $node->safe_psql('postgres',
		q{SELECT expired, subjects FROM compliance.expired_data_count}),
	'1|1', 'and counted what is left for the dashboard (the unrecorded row of s3)');

# (c) NULL leaves a job out; unscheduling removes what is left
$node->safe_psql('postgres',
	q{SET ROLE scheduler; SELECT * FROM compliance.schedule_maintenance('0 3 * * *', NULL)});
is( $node->safe_psql('postgres', q{SELECT string_agg(jobname, ',' ORDER BY jobname) FROM cron.job}),
	'compliance_erase_tasks@postgres,compliance_purge_expired@postgres',
	'a NULL schedule leaves the deadline checks out');
is( $node->safe_psql('postgres',
		q{SET ROLE scheduler; SELECT compliance.unschedule_maintenance()}),
	'2', 'unschedule_maintenance removes the jobs');
is($node->safe_psql('postgres', 'SELECT count(*) FROM cron.job'),
	'0', 'no job is left');

# (d) another database has no pg_cron: a clear error
$node->safe_psql('postgres', 'CREATE DATABASE clinic');
$node->safe_psql('clinic', 'CREATE EXTENSION compliance');
($ret, $out, $err) = $node->psql('clinic',
	q{\set VERBOSITY verbose
SELECT * FROM compliance.schedule_maintenance()});
isnt($ret, 0, 'scheduling fails without pg_cron in the database');
like($err, qr/55000: pg_cron is not installed in database "clinic"/,
	'with SQLSTATE 55000 and the database named');
like($err, qr/HINT:.*postgresql-$major-cron.*cron\.database_name = 'clinic'/,
	'and a hint saying how to install it');

$node->stop;
done_testing();
