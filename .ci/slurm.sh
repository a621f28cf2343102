#!/usr/bin/env bash
# CI: a real single-node Slurm cluster (Debian's slurm-wlm and munge) runs a fifsim run as an
# array of shards and a dependent merge, compared byte for byte with one run; then one shard is
# made to fail, the merge must refuse naming it, only that index is resubmitted, and the merge
# is compared again; last, a small sensitivity analysis runs as an array and merges byte for byte. Every daemon this script starts is stopped by its PID on exit, also on
# failure. Takes the release binary (built by .ci/run) or FIFSIM.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
export FIFSIM=${FIFSIM:-$repo/target/release/fifsim}
paths=${SLURM_CI_PATHS:-3001}
shards=4
seed=7

if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q slurm-wlm munge >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q slurm-wlm munge >/dev/null; }
fi

work=$(mktemp -d /tmp/fifsim-slurm.XXXXXX)
chmod 755 "$work"
pids=()
cleanup() {
    local status=$?
    if [ -n "${SLURM_CONF:-}" ] && [ -f "$SLURM_CONF" ]; then
        timeout 10 scancel --quiet --user="$(id -un)" 2>/dev/null || true
    fi
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
        kill "${pids[i]}" 2>/dev/null || true
    done
    for pid in "${pids[@]}"; do
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
    done
    if [ "$status" -ne 0 ]; then
        echo "slurm CI failed; daemon logs:" >&2
        tail -n 20 "$work"/*.log >&2 2>/dev/null || true
    fi
    rm -rf "$work"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# munge: no systemd here, so munged is started by hand as the munge user, unless one is running.
mkdir -p /run/munge
chown munge:munge /run/munge
chmod 755 /run/munge
if ! munge -n </dev/null >/dev/null 2>&1; then
    if [ ! -s /etc/munge/munge.key ]; then
        runuser -u munge -- mungekey --create --keyfile=/etc/munge/munge.key
    fi
    runuser -u munge -- /usr/sbin/munged --pid-file=/run/munge/munged.pid
    pids+=("$(cat /run/munge/munged.pid)")
    munge -n </dev/null | unmunge >/dev/null
fi

node=$(hostname -s)
cpus=$(nproc)
export SLURM_CONF=$work/slurm.conf
mkdir -p "$work/state" "$work/spool"
cat >"$SLURM_CONF" <<CONF
ClusterName=fifsimci
SlurmctldHost=$node
SlurmctldPort=16817
SlurmdPort=16818
AuthType=auth/munge
SlurmUser=$(id -un)
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MpiDefault=none
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
SchedulerParameters=sched_interval=1
NodeName=$node CPUs=$cpus State=UNKNOWN
PartitionName=ci Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
/usr/sbin/slurmctld -D -i -f "$SLURM_CONF" >"$work/slurmctld.out" 2>&1 &
pids+=("$!")
/usr/sbin/slurmd -D -f "$SLURM_CONF" >"$work/slurmd.out" 2>&1 &
pids+=("$!")
for _ in $(seq 100); do
    state=$(sinfo -h -N -o %t 2>/dev/null || true)
    [ "$state" = idle ] && break
    sleep 0.2
done
[ "$state" = idle ] || { echo "the Slurm node did not come up (state: ${state:-none})" >&2; exit 1; }

# Waits until job $1 (and every task of it) has left the queue; prints its state(s).
wait_job() {
    for _ in $(seq 600); do
        [ -z "$(squeue -h -j "$1" 2>/dev/null)" ] && break
        sleep 0.2
    done
    [ -z "$(squeue -h -j "$1" 2>/dev/null)" ] || { echo "job $1 did not finish" >&2; exit 1; }
}
job_state() { scontrol -o show job "$1" | grep -o 'JobState=[A-Z]*' | sort -u | tr '\n' ' '; }

scenario=$repo/scenarios/base.toml
cd "$work"
"$FIFSIM" run "$scenario" --paths "$paths" --seed "$seed" --threads "$cpus" --out single >/dev/null 2>&1

# A whole array, then the merge on afterany.
array=$(sbatch --parsable --array="0-$((shards - 1))" "$repo/deploy/slurm/shard.sbatch" "$shards" shards run "$scenario" --paths "$paths" --seed "$seed")
merge=$(sbatch --parsable --dependency="afterany:$array" "$repo/deploy/slurm/merge.sbatch" shards merged)
wait_job "$array"
wait_job "$merge"
[ "$(job_state "$merge")" = "JobState=COMPLETED " ] || { cat fifsim-merge-"$merge".log >&2; echo "merge job: $(job_state "$merge")" >&2; exit 1; }
diff -r single merged
echo "slurm: $shards shards merged byte-identical to one run of $paths paths"

# Shard 2 fails (its folder is taken by a file); the merge refuses and names the rerun.
mkdir -p failing
touch failing/shard-2
array=$(sbatch --parsable --array="0-$((shards - 1))" "$repo/deploy/slurm/shard.sbatch" "$shards" failing run "$scenario" --paths "$paths" --seed "$seed")
merge=$(sbatch --parsable --dependency="afterany:$array" "$repo/deploy/slurm/merge.sbatch" failing merged-after-retry)
wait_job "$array"
wait_job "$merge"
[ "$(job_state "$merge")" = "JobState=FAILED " ] || { echo "the merge of an incomplete set did not fail: $(job_state "$merge")" >&2; exit 1; }
grep -q "missing shards: 2 " fifsim-merge-"$merge".log || { cat fifsim-merge-"$merge".log >&2; exit 1; }
grep -qF "sbatch --array=2 deploy/slurm/shard.sbatch $shards failing run $scenario --paths $paths --seed $seed" fifsim-merge-"$merge".log \
    || { cat fifsim-merge-"$merge".log >&2; exit 1; }
[ ! -e merged-after-retry ]
rm failing/shard-2
retry=$(sbatch --parsable --array=2 "$repo/deploy/slurm/shard.sbatch" "$shards" failing run "$scenario" --paths "$paths" --seed "$seed")
merge=$(sbatch --parsable --dependency="afterany:$retry" "$repo/deploy/slurm/merge.sbatch" failing merged-after-retry)
wait_job "$retry"
wait_job "$merge"
[ "$(job_state "$merge")" = "JobState=COMPLETED " ] || { cat fifsim-merge-"$merge".log >&2; exit 1; }
diff -r single merged-after-retry
echo "slurm: a failed shard was refused, rerun alone, and merged byte-identical"

# A decision command: a small sensitivity analysis (every shock's runs) as an array, merged.
"$FIFSIM" sensitivity "$scenario" --paths 101 --seed "$seed" --threads "$cpus" --out single-sensitivity >/dev/null 2>&1
array=$(sbatch --parsable --array=0-2 "$repo/deploy/slurm/shard.sbatch" 3 sensitivity-shards sensitivity "$scenario" --paths 101 --seed "$seed")
merge=$(sbatch --parsable --dependency="afterany:$array" "$repo/deploy/slurm/merge.sbatch" sensitivity-shards merged-sensitivity)
wait_job "$array"
wait_job "$merge"
[ "$(job_state "$merge")" = "JobState=COMPLETED " ] || { cat fifsim-merge-"$merge".log >&2; exit 1; }
diff -r single-sensitivity merged-sensitivity
echo "slurm: 3 shards of a sensitivity analysis merged byte-identical to one"
