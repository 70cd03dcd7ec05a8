#!/bin/sh
# oar-ha drill: the job loop, installed by oar-ha drill. Usage: oarha-drill-loop.sh DIR USER [BOUND]
# (BOUND: seconds an oarsub may take before it counts as failed, default 20)
# Every second an advance reservation one day ahead, submitted as USER (a normal OAR user):
# `oarsub -r` returns only when Almighty's scheduler has judged it, so an answer proves the
# whole OAR server works (DB, Almighty, scheduler), not just its port, and it occupies no
# compute node now. Each reservation is deleted at once. One line per call in DIR/oarsub.log:
#   "<start> ack <job id> <end>" or "<start> fail <end>". Stops when DIR/stop exists.
dir=$1
user=$2
bound=${3:-20}
[ -d "$dir" ] && [ -n "$user" ] || { echo "usage: $0 DIR USER" >&2; exit 2; }
# oarsub's answer goes to a file of its own per call, never through a pipe: oarsub runs as
# user oar (sudo in OAR's wrapper) and outlives the timeout that kills su; as the writer of a
# command substitution's pipe it kept the loop waiting for ever (seen on the lab's VMs).
n=0
while [ ! -e "$dir/stop" ]; do
  n=$((n + 1))
  out="$dir/oarsub.out.$n"
  t=$(date +%s.%N)
  when=$(date -d '+1 day' '+%F %T')
  timeout -k 5 "$bound" su - "$user" -c "oarsub -r '$when' -l core=1,walltime=0:1:0 'sleep 1'" > "$out" 2>&1 < /dev/null
  o=$(cat "$out")
  rm -f "$out"
  id=$(printf '%s\n' "$o" | sed -n 's/^OAR_JOB_ID=//p')
  # OAR's admission rule refuses a user's third waiting reservation, and a deleted one waits
  # until Almighty processes the deletion (seconds on the lab's emulated VMs): such a refusal
  # measures nothing (no line is written); the loop waits, within BOUND, until fewer than two
  # of the user's reservations wait, asking oarstat only then.
  if printf '%s' "$o" | grep -q 'waiting advance reservations'; then
    w=0
    while [ "$w" -lt "$bound" ] && [ ! -e "$dir/stop" ]; do
      waiting=$(timeout -k 5 "$bound" su - "$user" -c "oarstat -u $user" 2>/dev/null < /dev/null | awk '$2 == "W"' | wc -l)
      [ "$waiting" -lt 2 ] && break
      sleep 1
      w=$((w + 1))
    done
    continue
  fi
  if [ -n "$id" ] && printf '%s' "$o" | grep -qE 'Reservation (not )?valid'; then
    echo "$t ack $id $(date +%s.%N)"
  else
    echo "$t fail $(date +%s.%N)"
  fi >> "$dir/oarsub.log"
  # Deleted even when no answer came: OAR records the reservation before the scheduler judges
  # it, and OAR's admission rule refuses a user's third waiting reservation (every later call
  # failed on the lab's slow VMs once two unanswered ones were left).
  [ -n "$id" ] && timeout -k 5 "$bound" su - "$user" -c "oardel $id" >/dev/null 2>&1 < /dev/null
  sleep 1
done
