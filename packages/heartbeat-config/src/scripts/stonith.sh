#!/bin/sh
# cluster-glue external STONITH plugins of oar-ha for Heartbeat (`stonith_host` lines in
# ha.cf). One program installed under two names in /usr/lib/stonith/plugins/external/:
#
#   oar-ha-lab   the lab's fence host, which answers virsh commands over SSH (as a libvirt host
#                does for fence_virsh under Pacemaker): destroy = hard power-off, start = power-on.
#                Settings: hostlist hypervisor port user identity_file delay. The key that logs in
#                to the fence host is the lab's "BMC credential" (a 0600 root file).
#   oar-ha-ipmi  IPMI through the stock external/ipmi plugin, the BMC password read from a file
#                (its last line; 0600 root, written by oar-ha apply) and given to ipmitool in its environment
#                (-E): in no ha.cf and on no command line. Settings: hostname ipaddr userid
#                passwd_file interface delay.
#
# cluster-glue sets the settings as environment variables, from the stonith_host line in the
# order getconfignames prints. `delay`: a server that holds no resources waits that many
# seconds before a reset, so that in a partition the server running the services fences first
# and survives (Pacemaker's priority-fencing-delay).

STOCK_IPMI=${OAR_HA_STOCK_IPMI:-/usr/lib/stonith/plugins/external/ipmi}
: "${hostlist:=} ${hypervisor:=} ${identity_file:=} ${passwd_file:=} ${delay:=0}"

# In a partition, the server without the services gives way. `transition` counts as holding
# nothing: in a partition it is the passive server's state (it is taking the peer's resources
# over, and Heartbeat fences before it acquires them), while the server running the services
# still says all (or local); waiting there never lets both servers fence at once.
give_way() {
  case "$(cl_status rscstatus 2>/dev/null)" in
    all|local|foreign) ;;
    *) [ "$delay" -gt 0 ] && sleep "$delay" ;;
  esac
  return 0
}

ipmi() {
  case "$1" in
    getconfignames) echo "hostname ipaddr userid passwd_file interface delay"; exit 0 ;;
    getinfo-xml) "$STOCK_IPMI" getinfo-xml | sed 's/name="passwd"/name="passwd_file"/'; exit 0 ;;
  esac
  if [ -n "$passwd_file" ]; then
    # oar-ha writes comment lines first, the password last.
    passwd=$(tail -n 1 "$passwd_file") || { echo "oar-ha-ipmi: cannot read $passwd_file" >&2; exit 1; }
  fi
  passwd_method="env"
  export passwd passwd_method
  [ "$1" = reset ] && give_way
  exec "$STOCK_IPMI" "$@"
}

fence_host() {
  ssh -n -q -o BatchMode=yes -o StrictHostKeyChecking=yes -o ConnectTimeout=10 \
    -i "$identity_file" -p "${port:-22}" -l "${user:-root}" "$hypervisor" "$1"
}

# Only a server of hostlist is ever fenced (the name reaches the fence host's shell).
allowed() {
  for h in $(echo "$hostlist" | tr ',' ' '); do
    [ "$h" = "$1" ] && return 0
  done
  echo "oar-ha-lab: $1 is not in hostlist ($hostlist)" >&2
  return 1
}

state() { fence_host "virsh domstate $1" 2>/dev/null; }

lab() {
  case "$1" in
    gethosts)
      for h in $(echo "$hostlist" | tr ',' ' '); do echo "$h"; done ;;
    status)
      fence_host "virsh list" >/dev/null ;;
    off)
      allowed "$2" || exit 1
      fence_host "virsh destroy $2" >/dev/null
      [ "$(state "$2")" = "shut off" ] ;;
    on)
      allowed "$2" || exit 1
      fence_host "virsh start $2" >/dev/null
      [ "$(state "$2")" = running ] ;;
    reset)
      allowed "$2" || exit 1
      give_way
      if [ "$(state "$2")" = running ]; then fence_host "virsh destroy $2" >/dev/null; fi
      [ "$(state "$2")" = "shut off" ] || exit 1
      fence_host "virsh start $2" >/dev/null
      exit 0 ;;
    getconfignames)
      echo "hostlist hypervisor port user identity_file delay" ;;
    getinfo-devid|getinfo-devname)
      echo "oar-ha lab fence host $hypervisor" ;;
    getinfo-devdescr)
      echo "Powers oar-ha lab hosts off and on through the lab's fence host (virsh over SSH)" ;;
    getinfo-devurl)
      echo "https://github.com/oar-team/oar-ha" ;;
    getinfo-xml)
      cat <<'XML'
<parameters>
<parameter name="hostlist" unique="1" required="1"><content type="string"/><shortdesc lang="en">The server this device fences</shortdesc></parameter>
<parameter name="hypervisor" unique="0" required="1"><content type="string"/><shortdesc lang="en">Address of the lab's fence host</shortdesc></parameter>
<parameter name="port" unique="0" required="0"><content type="string" default="22"/><shortdesc lang="en">SSH port of the fence host</shortdesc></parameter>
<parameter name="user" unique="0" required="0"><content type="string" default="root"/><shortdesc lang="en">SSH user on the fence host</shortdesc></parameter>
<parameter name="identity_file" unique="0" required="1"><content type="string"/><shortdesc lang="en">SSH key for the fence host</shortdesc></parameter>
<parameter name="delay" unique="0" required="0"><content type="string" default="0"/><shortdesc lang="en">Seconds a server without resources waits before a reset</shortdesc></parameter>
</parameters>
XML
      ;;
    *) exit 1 ;;
  esac
}

case "$(basename "$0")" in
  oar-ha-ipmi) ipmi "$@" ;;
  *) lab "$@" ;;
esac
