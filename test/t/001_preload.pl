# test/t/001_preload.pl: the library works only when preloaded, reserves
# its settings prefix, and its purpose registry survives a restart.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my ($ret, $stdout, $stderr);

# (a) Without shared_preload_libraries the library refuses to load, so
# enforcement can never be silently off.
my $bare = PostgreSQL::Test::Cluster->new('bare');
$bare->init;
$bare->start;

($ret, $stdout, $stderr) =
  $bare->psql('postgres', 'CREATE EXTENSION compliance');
isnt($ret, 0, 'CREATE EXTENSION fails without shared_preload_libraries');
like(
	$stderr,
	qr/compliance must be loaded via "shared_preload_libraries"/,
	'... with an error saying the library must be preloaded');
like($stderr, qr/shared_preload_libraries = 'compliance'/,
	'... and a hint naming the setting');

($ret, $stdout, $stderr) = $bare->psql('postgres', "LOAD 'compliance'");
isnt($ret, 0, 'LOAD fails without shared_preload_libraries');
like($stderr, qr/shared_preload_libraries/,
	'... with the same error');

$bare->stop;

# (b) Preloaded, the extension installs and its settings are defined.
my $node = PostgreSQL::Test::Cluster->new('main');
$node->init;
$node->append_conf('postgresql.conf',
	"shared_preload_libraries = 'compliance'");
$node->start;

($ret, $stdout, $stderr) =
  $node->psql('postgres', 'CREATE EXTENSION compliance');
is($ret, 0, 'CREATE EXTENSION works when preloaded')
  or diag($stderr);
is($node->safe_psql('postgres', 'SHOW compliance.enforce'),
	'on', 'compliance.enforce defaults to on');

($ret, $stdout, $stderr) =
  $node->psql('postgres', 'SET compliance.foo = 1');
isnt($ret, 0, 'an unknown compliance.* setting is rejected');
like($stderr, qr/reserved prefix/, '... because the prefix is reserved');

# (c) The purpose registry is ordinary table data: it survives a restart.
($ret, $stdout, $stderr) = $node->psql('postgres',
	"SELECT compliance.register_purpose('billing', 'Billing', 'contract_with_subject')"
);
is($ret, 0, 'register_purpose works') or diag($stderr);

$node->restart;

($ret, $stdout, $stderr) =
  $node->psql('postgres', "SELECT 'billing'::compliance.purpose");
is($ret, 0, 'a purpose registered before a restart is still known')
  or diag($stderr);
is($stdout, 'billing', '... and prints as its code');

$node->stop;

done_testing();
