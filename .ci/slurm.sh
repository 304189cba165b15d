#!/usr/bin/env bash
# A real one-node SLURM cluster on this machine, the small test workflow run
# through profiles/slurm, and its histories compared bit for bit with a local
# run of the same config. Needs root and the project's .venv (make setup).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
export PATH="$repo/.venv/bin:$PATH"
work=$(mktemp -d /tmp/bnlab-slurm.XXXXXX)
pids=()

stop_daemons() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    echo "slurm: stopped daemons ${pids[*]:-none}"
    rm -f /etc/slurm/slurm.conf
    [ -e "$work/slurm.conf.orig" ] && mv "$work/slurm.conf.orig" /etc/slurm/slurm.conf
    return 0
}
trap stop_daemons EXIT

if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null
fi

# munge: authentication between the SLURM daemons and clients.
mkdir -p /run/munge /var/log/munge /var/lib/munge /etc/munge
chown munge:munge /run/munge /var/log/munge /var/lib/munge
[ -s /etc/munge/munge.key ] || (mungekey --create --keyfile /etc/munge/munge.key && chown munge:munge /etc/munge/munge.key)
runuser -u munge -- /usr/sbin/munged --pid-file "/run/munge/bnlab.pid" --force
pids+=("$(cat /run/munge/bnlab.pid)")

host=$(hostname -s)
mem=$(awk '/MemTotal/ {print int($2 / 1024 * 0.8)}' /proc/meminfo)
mkdir -p "$work"/{state,spool,log}
# srun inside a job reads the default location, so the config goes there
# (any existing one is put back on exit).
mkdir -p /etc/slurm
[ -e /etc/slurm/slurm.conf ] && mv /etc/slurm/slurm.conf "$work/slurm.conf.orig"
export SLURM_CONF=/etc/slurm/slurm.conf
cat >"$SLURM_CONF" <<CONF
ClusterName=bnlab-ci
SlurmctldHost=$host
SlurmUser=root
AuthType=auth/munge
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/log/slurmctld.log
SlurmdLogFile=$work/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
MinJobAge=300
ReturnToService=2
NodeName=$host CPUs=$(nproc) RealMemory=$mem State=UNKNOWN
PartitionName=ci Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
slurmctld -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF"
for _ in $(seq 50); do
    [ -s "$work/slurmctld.pid" ] && [ -s "$work/slurmd.pid" ] && break
    sleep 0.2
done
pids+=("$(cat "$work/slurmctld.pid")" "$(cat "$work/slurmd.pid")")
for _ in $(seq 60); do
    state=$(sinfo -h -o %T 2>/dev/null || true)
    [ "$state" = idle ] && break
    sleep 1
done
echo "slurm: node $host is ${state:-unknown} (daemons ${pids[*]})"
[ "$state" = idle ]

# A study large enough to group: 2 models x 6 seeds on a 2,000-image subset
# (12 training runs in 6 blocks of 2 seeds, 12 figures, tables and pages), through
# SLURM grouped as profiles/slurm groups it (4 blocks per allocation, figures
# together), through SLURM ungrouped (one job each), and locally.
mnist=$(ls -d "$repo/resources/mnist" "$repo/../shared/data/mnist" 2>/dev/null | head -1)
cat >"$work/config.yaml" <<CONF
data: {manual_dir: $mnist, tfds_data_dir: $work/tfds}
studies: {blog: {model: [baseline, batchnorm], seed: [42, 1, 2, 3, 4, 5]}}
training: {epochs: 2, train_examples: 2000, test_examples: 1000}
seeds_per_job: 2
CONF
RUNS=12
run() {  # run NAME ARGS...: the workflow in $work/NAME
    local dir="$work/$1"; shift
    mkdir -p "$dir/config" && cp "$work/config.yaml" "$dir/config/config.yaml"
    timeout -s KILL 900 snakemake -s "$repo/Snakefile" -d "$dir" "$@"
}
# CI-only settings (no accounting database here): squeue for status, short
# intervals. A real cluster keeps the plugin's defaults (see docs/cluster.md).
SLURM=(--workflow-profile "$repo/profiles/slurm" --jobs 4
    --slurm-status-command squeue --slurm-init-seconds-before-status-checks 5)

through_slurm() {  # through_slurm NAME EXPECTED_SUBMISSIONS GROUPS [ARGS...]
    local name=$1 expected=$2 groups=$3; shift 3
    mkdir -p "$work/$name/config" && cp "$work/config.yaml" "$work/$name/config/config.yaml"
    # shellcheck disable=SC2086  # GROUPS: several words on purpose
    (cd "$work/$name" && bnlab plan all -s "$repo/Snakefile" --group-components $groups) \
        | tee "$work/$name-plan.txt"
    grep -q "^submissions: $expected " "$work/$name-plan.txt" \
        || { echo "slurm: bnlab.plan does not plan $expected submissions"; exit 1; }
    local start=$SECONDS
    run "$name" all "${SLURM[@]}" "$@" >"$work/$name.log" 2>&1 \
        || { tail -60 "$work/$name.log"; exit 1; }
    local wall=$((SECONDS - start))
    local ids
    ids=$(grep -oE "submitted with SLURM jobid [0-9]+" "$work/$name.log" | grep -oE "[0-9]+$" | sort -un)
    local count
    count=$(echo "$ids" | grep -c . || true)
    echo "slurm: $name: $count sbatch submissions (job ids $(echo $ids)), expected $expected;" \
        "$RUNS training runs in $wall s = $(python -c "print(round($RUNS * 60 / $wall, 1))") runs/min"
    [ "$count" -eq "$expected" ]
}

# Grouped as profiles/slurm groups: ceil(6 blocks / 4) = 2 training
# allocations + 1 for the 12 figures, tables and pages.
through_slurm grouped 3 "training=4 figures=20"
# Ungrouped: one allocation per training job (a block) and per figure.
through_slurm ungrouped 18 "training=1 figures=1" --group-components training=1 figures=1
run local --cores 2 >"$work/local-run.log" 2>&1

for name in grouped ungrouped; do
    for target in $(cd "$work/local" && find results/figures results/tables results/blog -type f | sort); do
        [ -s "$work/$name/$target" ] || { echo "slurm: $name: missing $target"; exit 1; }
    done
    bnlab compare "$work/$name/results" "$work/local/results"
done
echo "slurm: all targets built through SLURM, grouped and not; histories identical to the local run"
