#!/bin/bash
# Boots one test cluster node (test/cluster/nodes.ts). Runs as a child of holder.py, inside the
# node's network namespace and its own private mount + UTS namespaces, as root:
#
#   node-init.sh CLUSTER_DIR NODE_NUMBER
#
# What makes a namespace a separate node for corosync and Pacemaker:
#  - libqb IPC uses abstract unix sockets (one set per network namespace) and files in /dev/shm
#    (private tmpfs here), so crm_mon & co. started in this node talk to this node's daemons;
#  - /var/lib/pacemaker (the CIB), /var/lib/corosync and the logs are the node's own directories
#    (bind mounts of CLUSTER_DIR/nN/...), so they survive a "reboot" like a disk would;
#  - /usr/sbin gets the test-only fence agent through a read-only overlay: pacemaker-fenced only
#    looks for fence agents in /usr/sbin, and the host's /usr/sbin is left untouched.
# It starts corosync and pacemakerd in the background and exits; holder.py adopts and reaps them.
set -euo pipefail
C=$1
I=$2
S=$C/n$I

hostname "node$I"
mount -t tmpfs -o mode=0755 tmpfs /run
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
ln -s /dev/shm /run/shm
mkdir -p /run/lock /run/crm /run/resource-agents
chown hacluster:haclient /run/crm

for d in lib-pacemaker/{cib,pengine,blackbox,cores,bundles} lib-corosync log-pacemaker/bundles log-corosync; do
  mkdir -p "$S/$d"
done
chown -R hacluster:haclient "$S/lib-pacemaker" "$S/log-pacemaker"
chmod 0750 "$S"/lib-pacemaker/{cib,pengine,blackbox,cores}
chmod 0770 "$S/log-pacemaker"
mount --bind "$S/lib-pacemaker" /var/lib/pacemaker
mount --bind "$S/lib-corosync" /var/lib/corosync
mount --bind "$S/log-pacemaker" /var/log/pacemaker
mount --bind "$S/log-corosync" /var/log/corosync
mount -t overlay overlay -o "lowerdir=$C/sbin:/usr/sbin" /usr/sbin

# First boot only: a CIB with dc-deadtime=2s, or the first election waits 20 s for peers.
if [ ! -e /var/lib/pacemaker/cib/cib.xml ]; then
  install -o hacluster -g haclient -m 0600 "$C/cib-seed.xml" /var/lib/pacemaker/cib/cib.xml
fi

corosync -f -c "$C/corosync.conf" > "$S/corosync.stdout" 2>&1 < /dev/null &
echo $! > "$S/corosync.pid"
for _ in $(seq 1 200); do
  corosync-cfgtool -s > /dev/null 2>&1 && break
  sleep 0.05
done
PCMK_logfile=/var/log/pacemaker/pacemaker.log /usr/sbin/pacemakerd > "$S/pacemakerd.stdout" 2>&1 < /dev/null &
echo $! > "$S/pacemakerd.pid"
