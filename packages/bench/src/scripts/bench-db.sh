#!/bin/sh
# oar-ha bench: a scratch database instance, its data in DIR, benchmarked with the engine's own tool.
# It is a separate instance (never the cluster's, never OAR's tables), reached through a Unix
# socket in DIR only, with the engine's durable defaults (fsync on every commit).
# Set by oar-ha in front of this script:
#   ACTION    start | prepare | run | stop
#   ENGINE    postgresql | mariadb
#   DIR       the instance's directory (on the scratch filesystem or on DRBD's)
#   RUN       where the instance's pid is recorded (cleanup stops it from there)
#   THREADS   client connections (run)
#   DURATION  seconds (run)
#   SCALE     data size: pgbench scale factor; sysbench 4 tables of SCALE x 25,000 rows (prepare)
# run prints tps=, p95ms= and transactions=.
set -eu

PORT=5499

pg_bin() { for d in /usr/lib/postgresql/*/bin; do [ -x "$d/postgres" ] && echo "$d"; done | sort -V | tail -n 1; }
as_pg() { runuser -u postgres -- "$@"; }

pg() {
  bin=$(pg_bin)
  case "$ACTION" in
    start)
      mkdir -p "$DIR"
      chown postgres: "$DIR"
      [ -f "$DIR/data/PG_VERSION" ] || as_pg "$bin/initdb" -D "$DIR/data" -A trust -U postgres >/dev/null
      as_pg "$bin/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 300 \
        -o "-c listen_addresses='' -c unix_socket_directories='$DIR' -p $PORT -c max_connections=100 -c max_wal_size=256MB" start >/dev/null
      head -n 1 "$DIR/data/postmaster.pid" >"$RUN/db.pid"
      ;;
    prepare)
      as_pg "$bin/createdb" -h "$DIR" -p "$PORT" oarhabench 2>/dev/null || true
      as_pg "$bin/pgbench" -h "$DIR" -p "$PORT" -i -q -s "$SCALE" oarhabench >/dev/null 2>&1
      ;;
    run)
      jobs=$(nproc)
      [ "$jobs" -le "$THREADS" ] || jobs=$THREADS
      rm -f "$DIR"/txlog*
      as_pg "$bin/pgbench" -h "$DIR" -p "$PORT" -n -c "$THREADS" -j "$jobs" -T "$DURATION" -l --log-prefix="$DIR/txlog" oarhabench >"$DIR/out" 2>&1
      echo "tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$DIR/out" | tail -n 1)"
      # Per-transaction log: the third field is the latency in microseconds.
      cat "$DIR"/txlog* | awk '{ print $3 }' | sort -n | awk '{ a[NR] = $1 } END {
        i = int(NR * 0.95); if (i < NR * 0.95) i++; if (i < 1) i = 1
        printf "p95ms=%.3f\ntransactions=%d\n", (NR ? a[i] / 1000 : 0), NR }'
      rm -f "$DIR"/txlog*
      ;;
    stop)
      [ -f "$DIR/data/postmaster.pid" ] && as_pg "$bin/pg_ctl" -D "$DIR/data" -m fast -w stop >/dev/null
      rm -f "$RUN/db.pid"
      ;;
  esac
}

my() {
  sock="$DIR/mysqld.sock"
  case "$ACTION" in
    start)
      mkdir -p "$DIR/data"
      chown -R mysql: "$DIR"
      [ -d "$DIR/data/mysql" ] || mariadb-install-db --no-defaults --user=mysql --datadir="$DIR/data" \
        --auth-root-authentication-method=socket --skip-test-db >/dev/null 2>&1
      # Durable like the cluster's: every commit flushed. Networking off: the socket only.
      mariadbd --no-defaults --user=mysql --datadir="$DIR/data" --socket="$sock" --pid-file="$DIR/mysqld.pid" \
        --skip-networking --innodb-buffer-pool-size=128M --innodb-flush-log-at-trx-commit=1 --max-connections=100 \
        --log-error="$DIR/server.log" </dev/null >/dev/null 2>&1 &
      i=0
      until mariadb-admin --no-defaults -S "$sock" -u root ping >/dev/null 2>&1; do
        i=$((i + 1))
        [ "$i" -lt 300 ] || { tail -n 20 "$DIR/server.log" >&2; exit 1; }
        sleep 1
      done
      cat "$DIR/mysqld.pid" >"$RUN/db.pid"
      ;;
    prepare)
      mariadb --no-defaults -S "$sock" -u root -e 'CREATE DATABASE IF NOT EXISTS sbtest'
      sysbench oltp_read_write --db-driver=mysql --mysql-socket="$sock" --mysql-user=root --mysql-db=sbtest \
        --tables=4 --table-size=$((SCALE * 25000)) prepare >/dev/null
      ;;
    run)
      sysbench oltp_read_write --db-driver=mysql --mysql-socket="$sock" --mysql-user=root --mysql-db=sbtest \
        --tables=4 --table-size=$((SCALE * 25000)) --threads="$THREADS" --time="$DURATION" --percentile=95 run >"$DIR/out" 2>&1
      sed -n 's/^ *transactions: *\([0-9]*\) *(\([0-9.]*\) per sec.*/transactions=\1\ntps=\2/p; s/^ *95th percentile: *\([0-9.]*\).*/p95ms=\1/p' "$DIR/out"
      ;;
    stop)
      mariadb-admin --no-defaults -S "$sock" -u root shutdown >/dev/null 2>&1 || true
      rm -f "$RUN/db.pid"
      ;;
  esac
}

case "$ENGINE" in
  postgresql) pg ;;
  mariadb) my ;;
  *) echo "ENGINE must be postgresql or mariadb" >&2; exit 2 ;;
esac
