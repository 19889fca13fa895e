# test/t/010_capture_crash.pl: a statement that read for a recipient
# returns only once its captured disclosures are durable (Art. 12 of Law
# 99-Z), so a crash loses none of a statement the client fully received.
#
# 8 clients export under recipients of their own, statement after
# statement: plain SELECTs, and cursors read with two FETCHes in a
# transaction that is never committed.  At a random point (often right
# after exports returned) the server dies: alternately an immediate
# shutdown, and a kill -9 of the postmaster and every process it started
# (what the OOM killer or a power cut amounts to).  After each recovery:
#   * every subject of every statement whose result the client received
#     whole (psql exited 0) is in the log, for that recipient;
#   * no (recipient, subject) is in the log twice: each statement reads
#     its own range of customers, so a second record would be a
#     duplicate;
#   * the hash chains verify.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use POSIX ();
use Time::HiRes qw(usleep);

my $clients = 8;
my $rounds = 10;    # of each way to die
my $rows = 200;     # a statement's range of customers

my $node = PostgreSQL::Test::Cluster->new('capture_crash');
$node->init;
$node->append_conf('postgresql.conf',
	"shared_preload_libraries = 'compliance'\nmax_connections = 40");
$node->start;

# The clients' recipients: one per round, way to die and client.
my @recipients;
for my $way (qw(immediate kill9))
{
	for my $r (1 .. $rounds)
	{
		push @recipients, "${way}_${r}_c$_" for 1 .. $clients;
	}
}
$node->safe_psql(
	'postgres', q{
CREATE EXTENSION compliance;
SELECT compliance.set_processor('Shop LLC', 'Minsk, Nezavisimosti Ave 1');
SELECT compliance.register_purpose('billing', 'Billing', 'contract_with_subject', basis_scope => 'all_subjects');
CREATE TABLE customers (id int PRIMARY KEY, customer_no bigint NOT NULL UNIQUE, name text);
INSERT INTO customers SELECT g, 100000 + g, 'Customer ' || g FROM generate_series(1, 20000) g;
SELECT compliance.protect('customers', 'customer_no');
CREATE ROLE app LOGIN IN ROLE compliance_app;
GRANT SELECT ON customers TO app;
SELECT compliance.grant_purpose('billing', 'app');
CREATE TABLE received (recipient text, lo int, hi int);
}
	  . join("\n",
		map { "SELECT compliance.register_recipient('$_', 'Bureau', 'Minsk', 'BY');" }
		  @recipients));

my $host = $node->host;
my $port = $node->port;
my $tmp = PostgreSQL::Test::Utils::tempdir;

# A client: statement after statement until the server is gone; each
# received whole is noted in its file (recipient, first and last id).
sub client
{
	my ($recipient, $file) = @_;
	my $set = "SET compliance.purpose = 'billing'; SET compliance.recipient = '$recipient';";

	for (my $j = 0; ($j + 1) * $rows <= 20000; $j++)
	{
		my ($lo, $hi) = ($j * $rows + 1, ($j + 1) * $rows);
		my $sql =
		  $j % 3 == 2
		  ? "$set BEGIN; DECLARE c CURSOR FOR SELECT customer_no, name FROM customers"
		  . " WHERE id BETWEEN $lo AND $hi ORDER BY id;"
		  . " FETCH " . ($rows / 2) . " FROM c; FETCH " . ($rows / 2) . " FROM c;"
		  : "$set SELECT customer_no, name FROM customers WHERE id BETWEEN $lo AND $hi";
		my $rc = system('psql', '-X', '-q', '-At', '-h', $host, '-p', $port, '-U', 'app',
			'-d', 'postgres', '-v', 'ON_ERROR_STOP=1', '-o', '/dev/null', '-c', $sql);
		return if $rc != 0;
		open(my $fh, '>>', $file) or die "could not open $file: $!";
		print $fh "$recipient\t$lo\t$hi\n";
		close($fh);
	}
	return;
}

# Kills the postmaster and every process it started (backends, the
# writer, ...) with SIGKILL, and waits until they are gone: stopped
# first, the postmaster starts no process after the list is taken.
sub kill9_server
{
	my $pm = $node->{_pid};
	kill 'STOP', $pm;
	my @children = grep { /^\d+$/ } map { s/\s//gr } split /\n/, `ps -o pid= --ppid $pm`;
	kill 'KILL', $pm, @children;
	for (my $i = 0; $i < 100 && kill(0, $pm, @children) > 0; $i++)
	{
		usleep(100_000);
	}
	$node->{_pid} = undef;
	return;
}

my $received_total = 0;
my $started = time;
for my $way (qw(immediate kill9))
{
	for my $r (1 .. $rounds)
	{
		my @pids;
		my @files;
		for my $c (1 .. $clients)
		{
			my $file = "$tmp/${way}_${r}_c$c";
			push @files, $file;
			my $pid = fork();
			die "fork failed: $!" unless defined $pid;
			if ($pid == 0)
			{
				client("${way}_${r}_c$c", $file);
				# not exit: the node's END block would stop the server
				POSIX::_exit(0);
			}
			push @pids, $pid;
		}
		# a random point: often right after statements returned
		usleep(300_000 + int(rand(900_000)));
		if ($way eq 'immediate')
		{
			$node->stop('immediate');
		}
		else
		{
			kill9_server();
		}
		waitpid($_, 0) for @pids;
		$node->start;

		my $copy = '';
		for my $file (@files)
		{
			next unless -e $file;
			$copy .= slurp_file($file);
		}
		my $n = () = $copy =~ /\n/g;
		$received_total += $n;
		$node->safe_psql('postgres',
			"COPY received FROM STDIN;\n" . $copy . "\\.\n")
		  if $n > 0;
		is( $node->safe_psql(
				'postgres', qq{
SELECT count(*) FROM received d
 WHERE d.recipient LIKE '${way}_${r}_%'
   AND (SELECT count(DISTINCT l.subject) FROM compliance.disclosure_log l
         WHERE l.recipient = d.recipient
           AND l.subject::bigint - 100000 BETWEEN d.lo AND d.hi) <> d.hi - d.lo + 1}),
			'0',
			"$way, round $r: every subject of the $n statements received whole is logged");
		is( $node->safe_psql(
				'postgres', q{
SELECT count(*) FROM (SELECT recipient, subject FROM compliance.disclosure_log
                      GROUP BY 1, 2 HAVING count(*) > 1) d}),
			'0',
			"$way, round $r: no disclosure is logged twice");
		is( $node->safe_psql(
				'postgres', 'SELECT bool_and(ok) FROM compliance.verify_ledger()'),
			't',
			"$way, round $r: the hash chains verify");
	}
}
note sprintf('%d statements received whole in %d rounds, %.0f s',
	$received_total, 2 * $rounds, time - $started);
cmp_ok($received_total, '>=', 4 * $rounds,
	'the clients received statements before the crashes');
ok( $node->safe_psql('postgres',
		q{SELECT count(*) FROM compliance.disclosure_log WHERE source = 'capture'}) >= $received_total * $rows,
	'the log holds at least every subject received');

$node->stop;
done_testing();
