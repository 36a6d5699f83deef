# tests/slurm_cluster.sh: a real SLURM cluster on this machine for the tests, sourced by them.
# One slurmctld and one slurmd per node (NodeName=n1, n2, ..., all at 127.0.0.1 on ports of
# their own, slurmd -N nK), authenticated by a munged with a key and socket of its own. The
# configuration (through SLURM_CONF), state, spool, logs, pid files and munge's files are all in
# one temporary folder, so that a SLURM the machine may already run is not disturbed.
#
#   . tests/slurm_cluster.sh
#   if slurm_cluster_start 2 4; then ...; fi  # 2 nodes of 4 CPUs; exports SLURM_CONF
#   trap slurm_cluster_stop EXIT               # cancels the jobs, stops each daemon by its PID
#
# slurm_cluster_start [NODES [CPUS [GPUS]]] (2, 4, 0) returns 0 with the cluster up (every node
# idle), or 1 with the reason in slurm_cluster_why: slurm_cluster_skip is true when the reason
# is that this machine cannot run one (not root, a program missing), false when a daemon failed
# (the tails of its logs are in slurm_cluster_why). CPUS per node may exceed this machine's
# (config_overrides); GPUS per node are only counted (gres/gpu on stand-in device files).
# slurm_cluster_wait JOBID SECONDS waits until a job has ended (or the time is up: return 1);
# slurm_cluster_state JOBID prints its state (PENDING, RUNNING, COMPLETED, ...);
# slurm_cluster_next_check the seconds until slurmctld next checks time limits.
# slurm_cluster_dir is the folder (logs in log/), slurm_cluster_nodes the nodes (n[1-NODES]),
# slurm_cluster_pids the daemons' PIDs. The SLURM_ variables of the environment are replaced by
# SLURM_CONF, and /usr/sbin added to PATH. A shell of its own with a cluster, as root:
#   bash -c '. tests/slurm_cluster.sh && slurm_cluster_start && trap slurm_cluster_stop EXIT &&
#            bash'

slurm_cluster_dir="" slurm_cluster_why="" slurm_cluster_skip=false slurm_cluster_pids=()

# One TCP port of 127.0.0.1 that no socket of this machine uses, and the next COUNT - 1 after it.
_slurm_cluster_ports() { # COUNT
    local used base p ok _ addr _r
    used=" "
    while read -r _ addr _r; do
        [[ $addr == *:* ]] && used+="$((16#${addr##*:})) "
    done < <(cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | grep -v local_address)
    for _ in $(seq 200); do
        base=$((20000 + RANDOM % 20000)) ok=1
        for ((p = base; p < base + $1; p++)); do
            [[ $used == *" $p "* ]] && ok=0
        done
        [ $ok -eq 1 ] && { echo "$base"; return 0; }
    done
    return 1
}

# Starts DAEMON ARGS... in the foreground of a background job, its output in LOG: its PID is
# the daemon's own, to stop it by at the end.
_slurm_cluster_daemon() { # LOG DAEMON ARGS...
    local log=$1; shift
    "$@" </dev/null >>"$log" 2>&1 &
    slurm_cluster_pids+=($!)
}

_slurm_cluster_fail() { # MESSAGE LOG...: a daemon failed; the message and the logs' tails
    slurm_cluster_why="$1"
    shift
    local f
    for f in "$@"; do
        [ -f "$f" ] && slurm_cluster_why+=$'\n'"--- $f"$'\n'"$(tail -n 15 "$f")"
    done
    slurm_cluster_stop
    return 1
}

slurm_cluster_start() { # [NODES [CPUS [GPUS]]]
    local nodes=${1:-2} cpus=${2:-4} gpus=${3:-0} p d host base
    slurm_cluster_skip=true
    if [ "$(id -u)" != 0 ]; then
        slurm_cluster_why="needs root (slurmd starts jobs as their users)"
        return 1
    fi
    for p in munged slurmctld slurmd sbatch srun scontrol squeue sinfo scancel; do
        if ! command -v "$p" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$p" ]; then
            slurm_cluster_why="needs $p (Debian: slurm-wlm, munge; make deps installs them)"
            return 1
        fi
    done
    export PATH=$PATH:/usr/sbin
    slurm_cluster_skip=false
    if ! base=$(_slurm_cluster_ports $((nodes + 1))); then
        slurm_cluster_why="found no $((nodes + 1)) free consecutive TCP ports"
        return 1
    fi
    d=$(mktemp -d /tmp/slurm-cluster.XXXXXX) || return 1
    slurm_cluster_dir=$d
    chmod 755 "$d" # the spool folders hold the job scripts, run as their users
    mkdir -p "$d/state" "$d/log" "$d/run" "$d/munge"
    for ((p = 1; p <= nodes; p++)); do mkdir -p "$d/spool/n$p"; done
    chmod 755 "$d/munge" # munged wants its socket reachable; the key is 0400
    host=$(hostname -s)
    slurm_cluster_nodes="n[1-$nodes]"

    # munge: a key of its own, read only by its owner (munged refuses it otherwise)
    dd if=/dev/urandom of="$d/munge/munge.key" bs=1024 count=1 status=none
    chmod 400 "$d/munge/munge.key"
    _slurm_cluster_daemon "$d/log/munged.out" munged --foreground \
        --key-file="$d/munge/munge.key" --socket="$d/munge/munge.socket" \
        --pid-file="$d/run/munged.pid" --log-file="$d/log/munged.log" \
        --seed-file="$d/munge/munged.seed"
    for _ in $(seq 50); do
        [ -S "$d/munge/munge.socket" ] && break
        sleep 0.1
    done
    if [ ! -S "$d/munge/munge.socket" ]; then
        _slurm_cluster_fail "munged did not start" "$d/log/munged.out" "$d/log/munged.log"
        return 1
    fi

    # AuthInfo: the socket of this munged (clients read it too); cred_expire, the wait before a
    # requeued job may start again, at its minimum (default 120 s)
    cat >"$d/slurm.conf" <<EOF
# slurm.conf of a test cluster started by tests/slurm_cluster.sh
ClusterName=dasotest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$base
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$d/munge/munge.socket,cred_expire=5
StateSaveLocation=$d/state
SlurmdSpoolDir=$d/spool/%n
SlurmctldPidFile=$d/run/slurmctld.pid
SlurmdPidFile=$d/run/slurmd-%n.pid
SlurmctldLogFile=$d/log/slurmctld.log
SlurmdLogFile=$d/log/slurmd-%n.log
SlurmctldDebug=debug2
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SwitchType=switch/none
MpiDefault=none
SchedulerType=sched/builtin
SchedulerParameters=sched_interval=2
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
ReturnToService=2
SlurmdParameters=config_overrides
KillWait=5
MinJobAge=600
JobRequeue=1
MailProg=/bin/true
$([ "$gpus" -gt 0 ] && echo GresTypes=gpu)
NodeName=DEFAULT CPUs=$cpus RealMemory=1000 $([ "$gpus" -gt 0 ] && echo "Gres=gpu:$gpus")
NodeName=n[1-$nodes] NodeHostname=$host NodeAddr=127.0.0.1 Port=[$((base + 1))-$((base + nodes))]
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
    # GPUs to count: gres.conf beside slurm.conf names a stand-in device file for each (slurmd
    # drops a GPU without File=, and refuses a File that is not a device), here /dev/null's
    if [ "$gpus" -gt 0 ]; then
        mkdir "$d/dev"
        for ((p = 0; p < gpus; p++)); do
            if ! mknod "$d/dev/gpu$p" c 1 3; then
                _slurm_cluster_fail "cannot make the stand-in GPU device $d/dev/gpu$p"
                return 1
            fi
        done
        echo "NodeName=n[1-$nodes] Name=gpu File=$d/dev/gpu[0-$((gpus - 1))]" >"$d/gres.conf"
    fi
    # the commands talk to this cluster only, also inside a job of another one
    unset $(compgen -e | grep '^SLURM_') 2>/dev/null || true
    export SLURM_CONF=$d/slurm.conf
    slurm_cluster_started=$(date +%s)
    _slurm_cluster_daemon "$d/log/slurmctld.out" slurmctld -D -f "$SLURM_CONF"
    for ((p = 1; p <= nodes; p++)); do
        _slurm_cluster_daemon "$d/log/slurmd-n$p.out" slurmd -D -f "$SLURM_CONF" -N "n$p"
    done
    # up when every node is idle
    local idle=0
    for _ in $(seq 150); do
        idle=$(sinfo -h -N -o '%N %T' 2>/dev/null | grep -c ' idle$' || true)
        [ "$idle" -eq "$nodes" ] && return 0
        sleep 0.2
    done
    _slurm_cluster_fail "the cluster did not come up ($idle of $nodes nodes idle after 30 s)" \
        "$d/log/slurmctld.out" "$d/log/slurmctld.log" "$d/log/slurmd-n1.out" "$d/log/slurmd-n1.log"
    return 1
}

# Seconds until slurmctld next checks the time limits, which is when it sends the warnings of
# --signal (every 30 s, logged at debug2; a warning may come up to 30 s before its time).
slurm_cluster_next_check() {
    local last
    last=$(grep 'Testing job time limits' "$slurm_cluster_dir/log/slurmctld.log" | tail -n 1 |
        sed 's/^\[\([^].]*\).*/\1/')
    last=${last:+$(date -d "$last" +%s)}
    echo $((${last:-$slurm_cluster_started} + 30 - $(date +%s)))
}

slurm_cluster_state() { # JOBID
    scontrol show job "$1" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p'
}

slurm_cluster_wait() { # JOBID SECONDS
    local s
    for _ in $(seq $(($2 * 5))); do
        s=$(slurm_cluster_state "$1")
        case $s in
        PENDING | RUNNING | CONFIGURING | COMPLETING | REQUEUED | RESIZING | SUSPENDED | "") ;;
        *) return 0 ;;
        esac
        sleep 0.2
    done
    return 1
}

# Cancels every job of the cluster, then stops each daemon by its PID (TERM, then KILL after
# 10 s) and removes the folder. Safe to call twice, when nothing was started, and under set -e.
slurm_cluster_stop() {
    local pid
    if [ -n "$slurm_cluster_dir" ] && [ "${#slurm_cluster_pids[@]}" -gt 1 ]; then
        if [ -n "$(squeue -h -o %A 2>/dev/null)" ]; then
            scancel --full $(squeue -h -o %A 2>/dev/null) 2>/dev/null || true
            for _ in $(seq 50); do
                [ -z "$(squeue -h -o %A 2>/dev/null)" ] && break
                sleep 0.2
            done
        fi
    fi
    for pid in "${slurm_cluster_pids[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${slurm_cluster_pids[@]}"; do
        for _ in $(seq 100); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    slurm_cluster_pids=()
    [ -n "$slurm_cluster_dir" ] && rm -rf "$slurm_cluster_dir"
    slurm_cluster_dir=""
    unset SLURM_CONF
}
