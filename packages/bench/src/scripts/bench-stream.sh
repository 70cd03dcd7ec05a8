#!/bin/sh
# oar-ha bench: a competing bulk stream on the replication link (iperf3), bounded in time.
# Set by oar-ha in front of this script:
#   ACTION   server (on the DRBD Secondary) | client (on the Primary) | result (on the Primary)
#   RUN      where pids and the client's report are kept (cleanup stops what is left)
#   ADDR     this server's replication address (iperf3 binds it)
#   PEER     the other server's replication address (client)
#   SECS  how long the client sends (client)
set -eu

PORT=5299
mkdir -p "$RUN"

case "$ACTION" in
  server)
    # One client, then it exits by itself; cleanup stops it if the client never came.
    iperf3 -s -1 -D -B "$ADDR" -p "$PORT" --pidfile "$RUN/stream-server.pid"
    ;;
  client)
    # In the background, every descriptor redirected: the SSH session that started it can end.
    iperf3 -c "$PEER" -B "$ADDR" -p "$PORT" -t "$SECS" -P 4 -J >"$RUN/stream.json" 2>&1 </dev/null &
    echo $! >"$RUN/stream-client.pid"
    ;;
  result)
    pid=$(cat "$RUN/stream-client.pid" 2>/dev/null || true)
    if [ -n "$pid" ]; then
      while kill -0 "$pid" 2>/dev/null; do sleep 1; done
    fi
    rm -f "$RUN/stream-client.pid"
    cat "$RUN/stream.json"
    ;;
  *) echo "ACTION must be server, client or result" >&2; exit 2 ;;
esac
