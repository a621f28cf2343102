#!/usr/bin/env bash
# Submits a fifsim run as a Slurm array of K shards and a merge that waits for all of them
# (docs/cluster.md); prints the two job ids.
#
#   deploy/slurm/submit.sh SCENARIO PATHS K OUTDIR RESULTS [SEED]
#
# Shards go to OUTDIR/shard-<k>, the merged results folder to RESULTS. Extra sbatch options
# (partition, account, time limit) go in SBATCH_* variables, e.g. SBATCH_PARTITION=short.
set -euo pipefail
if [ $# -lt 5 ]; then
    echo "usage: $0 SCENARIO PATHS K OUTDIR RESULTS [SEED]" >&2
    exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
scenario=$1 paths=$2 shards=$3 outdir=$4 results=$5 seed=${6:-20250926}
array=$(sbatch --parsable --array="0-$((shards - 1))" "$here/shard.sbatch" "$scenario" "$paths" "$shards" "$outdir" "$seed")
array=${array%%;*}
merge=$(sbatch --parsable --dependency="afterany:$array" "$here/merge.sbatch" "$outdir" "$results")
echo "shards: job $array; merge: job ${merge%%;*}"
