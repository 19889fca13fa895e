# test/t/012_dead_letters.pl: a batch the disclosure writer can never log
# (Art. 12 of Law 99-Z) neither blocks the log for ever nor is dropped: after
# compliance.dead_letter_after the failing group is kept whole in
# compliance.disclosure_dead_letters, the officer sees it on the dashboard,
# and replays it into the log once the cause is removed.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('dead_letters');
$node->init;
$node->append_conf('postgresql.conf',
	"shared_preload_libraries = 'compliance'\ncompliance.dead_letter_after = 2s");
$node->start;

$node->safe_psql('postgres', q{
CREATE ROLE app LOGIN;
CREATE DATABASE shop;
});
$node->safe_psql('shop', q{
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
my $read = q{SET compliance.purpose = 'billing'; SET compliance.recipient = 'bureau'; };

# A cause that never goes away by itself: the log refuses subject 7.
$node->safe_psql('shop',
	q{ALTER TABLE compliance.disclosure_records ADD CONSTRAINT refuse_7 CHECK (NOT '7' = ANY (subjects))});

my ($rc, $out, $err) = $node->psql('shop', $read . 'SELECT name FROM customers WHERE id = 7',
	extra_params => [ '-U', 'app' ]);
isnt($rc, 0, 'a read whose capture cannot be logged ends with an error');
like($err, qr/the disclosure log cannot be written/, '... saying the log cannot be written');

ok($node->poll_query_until('shop',
		'SELECT count(*) = 1 FROM compliance.disclosure_dead_letters'),
	'after dead_letter_after the group is kept aside');
is($node->safe_psql('shop',
		q{SELECT subjects::text || ' ' || source || ' ' || recipient || ' ' || source_table || ' ' || sqlstate || ' ' || data_items::text
		    FROM compliance.disclosure_dead_letters}),
	'{7} capture bureau public.customers 23514 {id,name}', '... whole, with its error');
like($node->safe_psql('shop', 'SELECT error FROM compliance.disclosure_dead_letters'),
	qr/refuse_7/, '... and the message');
is($node->safe_psql('shop',
		q{SELECT total || ' ' || overdue FROM compliance.officer_dashboard WHERE item = 'disclosures_not_logged'}),
	'1 1', 'the officer sees it on the dashboard');

# The log goes on for everything else.
is($node->safe_psql('shop', $read . 'SELECT name FROM customers WHERE id = 3',
		extra_params => [ '-U', 'app' ]),
	'Customer 3', 'a later read returns');
is($node->safe_psql('shop',
		q{SELECT count(*) FROM compliance.disclosure_log WHERE subject = '3' AND source = 'capture'}),
	'1', '... and is logged');

# Replayed while the cause is still there: refused, kept.
($rc, $out, $err) = $node->psql('shop', 'SELECT compliance.replay_dead_letters()');
isnt($rc, 0, 'a replay that still fails is refused');
like($err, qr/dead letter \d+ cannot be logged yet/, '... naming the dead letter');
is($node->safe_psql('shop', 'SELECT count(*) FROM compliance.disclosure_dead_letters'),
	'1', '... which stays');

# The cause removed, the replay logs it with its original time.
$node->safe_psql('shop', 'ALTER TABLE compliance.disclosure_records DROP CONSTRAINT refuse_7');
is($node->safe_psql('shop', 'SELECT compliance.replay_dead_letters()'), '1', 'the replay logs it');
is($node->safe_psql('shop',
		q{SELECT count(*) FROM compliance.disclosure_log WHERE subject = '7' AND source = 'capture'
		     AND recipient = 'bureau' AND data_items = '{id,name}'}),
	'1', '... in the log');
is($node->safe_psql('shop', 'SELECT count(*) FROM compliance.disclosure_dead_letters'),
	'0', '... and no longer aside');
# A recorded disclosure the log refuses: kept aside the same way.
$node->safe_psql('shop',
	q{ALTER TABLE compliance.disclosure_records ADD CONSTRAINT refuse_8 CHECK (NOT '8' = ANY (subjects))});
($rc, $out, $err) = $node->psql('shop',
	q{SELECT compliance.record_disclosure('8', 'bureau', ARRAY['name'], 'billing')},
	extra_params => [ '-U', 'app' ]);
isnt($rc, 0, 'a recorded disclosure that cannot be logged ends with an error');
ok($node->poll_query_until('shop',
		q{SELECT count(*) = 1 FROM compliance.disclosure_dead_letters WHERE source = 'explicit'}),
	'... and is kept aside');
is($node->safe_psql('shop',
		q{SELECT subjects::text || ' ' || recipient || ' ' || data_items::text || ' ' || purpose
		    FROM compliance.disclosure_dead_letters}),
	'{8} bureau {name} billing', '... whole');
$node->safe_psql('shop', 'ALTER TABLE compliance.disclosure_records DROP CONSTRAINT refuse_8');
is($node->safe_psql('shop', 'SELECT compliance.replay_dead_letters()'), '1', '... and replayed');
is($node->safe_psql('shop',
		q{SELECT count(*) FROM compliance.disclosure_log WHERE subject = '8' AND source = 'explicit'}),
	'1', '... into the log');

# A captured group aside whose table is dropped before the replay: the
# rows left all the same, so it is logged, naming the table as it was.
$node->safe_psql('shop', q{
CREATE TABLE leads (id int PRIMARY KEY, name text);
INSERT INTO leads VALUES (9, 'Lead 9');
SELECT compliance.protect('leads', 'id');
GRANT SELECT ON leads TO app;
ALTER TABLE compliance.disclosure_records ADD CONSTRAINT refuse_9 CHECK (NOT '9' = ANY (subjects));
});
($rc, $out, $err) = $node->psql('shop', $read . 'SELECT name FROM leads WHERE id = 9',
	extra_params => [ '-U', 'app' ]);
isnt($rc, 0, 'a read of a table dropped later, whose capture cannot be logged, ends with an error');
ok($node->poll_query_until('shop',
		q{SELECT count(*) = 1 FROM compliance.disclosure_dead_letters WHERE source_table = 'public.leads'}),
	'... and is kept aside');
$node->safe_psql('shop', q{
DROP TABLE leads;
ALTER TABLE compliance.disclosure_records DROP CONSTRAINT refuse_9;
});
is($node->safe_psql('shop', 'SELECT compliance.replay_dead_letters()'), '1',
	'... the table dropped, the replay logs it');
is($node->safe_psql('shop',
		q{SELECT source_table || ' ' || data_items::text FROM compliance.disclosure_log WHERE subject = '9' AND source = 'capture'}),
	'public.leads {id,name}', '... naming the table as it was');

is($node->safe_psql('shop', 'SELECT bool_and(ok) FROM compliance.verify_ledger()'),
	't', 'the chains verify');

$node->stop;
done_testing();
