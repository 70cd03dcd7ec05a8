#!/bin/sh
# oar-ha bench: synchronous 4 KiB writes (each followed by fdatasync, O_DIRECT) into a file in DIR,
# the way a database commits. Prints fio's JSON report; the file is removed.
# Set by oar-ha in front of this script:
#   DIR      a directory on the filesystem under test
#   SECS  how long
#   RUN      where fio's pid is kept while it runs (cleanup stops it)
set -eu

f="$DIR/oar-ha-bench-fio.dat"
fio --name=sync4k --filename="$f" --size=64M --bs=4k --rw=write --ioengine=sync --direct=1 --fdatasync=1 \
  --runtime="$SECS" --time_based --output-format=json >"$RUN/fio.json" 2>"$RUN/fio.err" &
echo $! >"$RUN/fio.pid"
wait $! || { cat "$RUN/fio.err" >&2; rm -f "$f" "$RUN/fio.pid"; exit 1; }
rm -f "$f" "$RUN/fio.pid"
cat "$RUN/fio.json"
