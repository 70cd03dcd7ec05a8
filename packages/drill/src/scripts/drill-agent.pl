#!/usr/bin/perl
# oar-ha drill workload agent, installed by oar-ha drill. Usage: agent.pl CONFIG MODE
# CONFIG: key=value lines (0600: it holds the DB password). MODE: setup | drop | present |
# probe-db | probe-oar | writer. See packages/drill/src/workload.ts for the log formats.
use strict; use warnings;
use DBI; use IO::Socket::INET; use POSIX (); use Time::HiRes qw(time sleep);
my ($conf, $mode) = @ARGV;
open(my $cf, '<', $conf) or die "cannot read $conf: $!\n";
my %c = map { chomp; my ($k, $v) = split(/=/, $_, 2); ($k, $v) } grep { /=/ } <$cf>;
close($cf);
my $T = $c{table} // '';
$T =~ /^[a-z_][a-z0-9_]*$/ or die "bad table name in $conf\n";
my $dsn = $c{type} eq 'Pg'
  ? "dbi:Pg:dbname=$c{db};host=$c{host};port=$c{port};connect_timeout=2"
  : "dbi:mysql:database=$c{db};host=$c{host};port=$c{port};mysql_connect_timeout=2;mysql_read_timeout=3;mysql_write_timeout=3";
sub bounded { # runs $code with a hard deadline; dies "timeout" when it passes
  my ($secs, $code) = @_;
  my $old = POSIX::SigAction->new;
  POSIX::sigaction(POSIX::SIGALRM(), POSIX::SigAction->new(sub { die "timeout\n" }), $old);
  my @r = eval { alarm($secs); my @x = $code->(); alarm(0); @x };
  my $err = $@; alarm(0);
  POSIX::sigaction(POSIX::SIGALRM(), $old);
  die $err if $err;
  return @r;
}
sub connect_db { my ($d) = bounded(3, sub { DBI->connect($dsn, $c{user}, $c{pass}, { RaiseError => 1, PrintError => 0, AutoCommit => 1 }) }); return $d; }
if ($mode eq 'setup') {
  my $dbh = connect_db();
  $dbh->do("CREATE TABLE IF NOT EXISTS $T (n INTEGER PRIMARY KEY)");
  $dbh->do("DELETE FROM $T");
  exit 0;
}
if ($mode eq 'drop') { my $dbh = connect_db(); $dbh->do("DROP TABLE IF EXISTS $T"); exit 0; }
if ($mode eq 'present') { # the rows present, then the job ids OAR knows
  my $dbh = connect_db();
  print "row $_->[0]\n" for @{ $dbh->selectall_arrayref("SELECT n FROM $T ORDER BY n") };
  print "job $_->[0]\n" for @{ $dbh->selectall_arrayref("SELECT job_id FROM jobs ORDER BY job_id") };
  exit 0;
}
open(my $out, '>>', "$c{dir}/$mode.log") or die "cannot write $c{dir}/$mode.log: $!\n";
select($out); $| = 1;
my $dbh; my $n = 0;
while (!-e "$c{dir}/stop") {
  my $t = time;
  if ($mode eq 'probe-db') {
    my $ok = eval { $dbh ||= connect_db(); bounded(2, sub { $dbh->selectrow_array('SELECT 1') }); 1 };
    $dbh = undef unless $ok;
    printf "%.3f %s\n", $t, $ok ? 'ok' : 'fail';
  } elsif ($mode eq 'probe-oar') {
    my $s = eval { bounded(2, sub { IO::Socket::INET->new(PeerAddr => $c{oarhost}, PeerPort => $c{oarport}, Proto => 'tcp', Timeout => 1) }) };
    printf "%.3f %s\n", $t, $s ? 'ok' : 'fail';
    close($s) if $s;
  } elsif ($mode eq 'writer') {
    $n++;
    my $sent = 0;
    my $ok = eval { $dbh ||= connect_db(); $sent = 1; bounded(3, sub { $dbh->do("INSERT INTO $T (n) VALUES ($n)") }); 1 };
    $dbh = undef unless $ok;
    printf "%.3f %d %s\n", $t, $n, $ok ? 'ack' : $sent ? 'indet' : 'fail';
  } else { die "unknown mode $mode\n"; }
  my $rest = 0.1 - (time - $t);
  sleep($rest) if $rest > 0;
}
