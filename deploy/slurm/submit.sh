#!/usr/bin/env bash
# Submits a fifsim command as a Slurm array of K shards and a merge that waits for all of them
# (docs/cluster.md); prints the two job ids.
#
#   deploy/slurm/submit.sh K OUTDIR RESULTS COMMAND ARGS...
#
# COMMAND is run, compare, sensitivity or frontier, ARGS its scenario file(s) and options (give
# --paths and --seed: every shard must use the same). Shards go to OUTDIR/shard-<k>, the merged
# results folder to RESULTS. Extra sbatch options (partition, account, time limit) go in SBATCH_*
# variables, e.g. SBATCH_PARTITION=short.
set -euo pipefail
if [ $# -lt 5 ]; then
    echo "usage: $0 K OUTDIR RESULTS run|compare|sensitivity|frontier ARGS..." >&2
    exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
shards=$1 outdir=$2 results=$3
shift 3
array=$(sbatch --parsable --array="0-$((shards - 1))" "$here/shard.sbatch" "$shards" "$outdir" "$@")
array=${array%%;*}
merge=$(sbatch --parsable --dependency="afterany:$array" "$here/merge.sbatch" "$outdir" "$results")
echo "shards: job $array; merge: job ${merge%%;*}"
