#!/usr/bin/env bash
# A single-node SLURM cluster on this machine for the SLURM system test (tests/test_slurm.py).
#
#   tests/slurm/cluster.sh start STATE_DIR   write /etc/slurm/slurm.conf, start munged, slurmctld, slurmd
#   tests/slurm/cluster.sh stop STATE_DIR    stop the daemons started by `start`
#
# Needs root and Debian's slurm-wlm and munge (apt-get install slurm-wlm munge). slurm.conf has
# to be at /etc/slurm/slurm.conf for srun inside a job to find it; an existing one is kept
# aside and put back by `stop`. One node, two partitions (cpu, gpu), a fake GPU (File=/dev/null),
# no accounting; the node offers more CPUs than the machine has so that small jobs overlap.
set -euo pipefail
action=${1:?usage: cluster.sh start|stop STATE_DIR}
state=$(realpath -m "${2:?usage: cluster.sh start|stop STATE_DIR}")
node=$(hostname -s)
cpus=${GLASSDYN_SLURM_CPUS:-4}
memory=${GLASSDYN_SLURM_MEMORY_MB:-16000}

stop() {
    for daemon in slurmd slurmctld munged; do
        if [[ -f $state/$daemon.pid ]]; then
            pid=$(cat "$state/$daemon.pid")  # the daemon removes the file as it exits
            kill "$pid" 2>/dev/null || true
            for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
            kill -9 "$pid" 2>/dev/null || true
            rm -f "$state/$daemon.pid"
        fi
    done
    if [[ -f $state/slurm.conf.saved ]]; then mv "$state/slurm.conf.saved" /etc/slurm/slurm.conf
    elif [[ -f $state/slurm.conf.ours ]]; then rm -f /etc/slurm/slurm.conf /etc/slurm/gres.conf; fi
    rm -f "$state/slurm.conf.ours"
}

start() {
    command -v slurmctld >/dev/null && command -v munged >/dev/null \
        || { echo "cluster.sh: slurm-wlm and munge are not installed (apt-get install slurm-wlm munge)" >&2; exit 2; }
    mkdir -p "$state"/{ctld,slurmd,munge,log} /etc/slurm
    [[ -f /etc/slurm/slurm.conf && ! -f $state/slurm.conf.ours ]] && cp /etc/slurm/slurm.conf "$state/slurm.conf.saved"
    touch "$state/slurm.conf.ours"
    cat > /etc/slurm/slurm.conf <<CONF
ClusterName=glassdyn-test
SlurmctldHost=$node
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$state/ctld
SlurmdSpoolDir=$state/slurmd
SlurmctldPidFile=$state/slurmctld.pid
SlurmdPidFile=$state/slurmd.pid
SlurmctldLogFile=$state/log/slurmctld.log
SlurmdLogFile=$state/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
SlurmdParameters=config_overrides
ReturnToService=2
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=1
MessageTimeout=30
KillWait=5
MinJobAge=3600
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/filetxt
JobCompLoc=$state/log/jobs.txt
GresTypes=gpu
NodeName=$node CPUs=$cpus RealMemory=$memory Gres=gpu:fake:1 State=UNKNOWN
PartitionName=cpu Nodes=$node Default=YES MaxTime=INFINITE State=UP
PartitionName=gpu Nodes=$node MaxTime=INFINITE State=UP
CONF
    echo "NodeName=$node Name=gpu Type=fake File=/dev/null" > /etc/slurm/gres.conf
    if ! pgrep -x munged >/dev/null; then
        mkdir -p /run/munge /var/lib/munge /var/log/munge
        [[ -f /etc/munge/munge.key ]] || mungekey --create --keyfile /etc/munge/munge.key
        munged --force --pid-file "$state/munged.pid" --socket /run/munge/munge.socket.2
    fi
    slurmctld -c
    slurmd -c -N "$node"
    for _ in $(seq 100); do
        if sinfo -h -n "$node" -o %t 2>/dev/null | grep -qE '^(idle|mix|alloc)'; then exit 0; fi
        sleep 0.2
    done
    echo "cluster.sh: the node did not come up; $state/log holds the daemons' logs" >&2
    tail -5 "$state/log/slurmctld.log" "$state/log/slurmd.log" >&2 || true
    exit 1
}

"$action"
