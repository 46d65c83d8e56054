#!/usr/bin/env bash
# decomposition.memory_per_rank kept, not only obeyed in the tables (docs/ARCHITECTURE.md,
# "Memory per rank"): a 384^3 phantom at 2 ranks cut into slabs by two budgets, each rank's
# peak resident memory (the result's peak_memory_mib_per_rank) within its budget; and the
# node's memory probed for real once (every other test replaces it by
# GRAPES_TEST_MEMORY_AVAILABLE): a budget past the node is refused with the node's figure,
# which must be /proc/meminfo's MemAvailable (or the cgroup's room) over the ranks.
source "$(dirname "$0")/lib.sh"
demo="$GRAPES_SOURCE_DIR/inputs/demo.yaml"
shape="input.phantom.shape=[384,384,384]"
# Under the sanitizers (ASAN_OPTIONS set by CTest) the shadow memory is in every peak: the
# slabs are still checked, the peaks are not (and the test says so).
sanitized=0
[ -n "${ASAN_OPTIONS:-}" ] && sanitized=1
for budget in 200 150; do
  run_grapes 2 run "$demo" --set "$shape" --set analysis.convex_hull=false \
    --set "decomposition.memory_per_rank=${budget}MiB" --set "output.path=$WORK/budget$budget.h5"
  if [ "$status" -eq 0 ] && "$PYTHON" - "$WORK/budget$budget.h5" "$budget" "$sanitized" <<'PY'; then
import sys, h5py
with h5py.File(sys.argv[1], "r") as f:
    peaks = [float(p) for p in f.attrs["peak_memory_mib_per_rank"]]
    slabs = int(f.attrs["slabs_per_rank"])
budget = float(sys.argv[2])
print(f"budget {budget} MiB: {slabs} slabs per rank, peaks {peaks} MiB")
assert slabs >= 2, "the budget did not cut the box into slabs"
if sys.argv[3] == "1":
    print("skip: the peaks under the sanitizers (shadow memory)")
else:
    assert len(peaks) == 2 and all(0 < p <= budget for p in peaks), "a rank's peak exceeds the budget"
PY
    pass "memory_per_rank=${budget}MiB: slabs, and every rank's peak within the budget"
  else fail "memory_per_rank=${budget}MiB (status $status)"; cat "$WORK/err"; fi
done

# The real probe: no GRAPES_TEST_MEMORY_AVAILABLE here.
unset GRAPES_TEST_MEMORY_AVAILABLE
run_grapes 2 run "$demo" --set decomposition.memory_per_rank=64TiB --set "output.path=$WORK/big.h5"
if [ "$status" -ne 0 ] && [ ! -e "$WORK/big.h5" ] && "$PYTHON" - "$WORK/err" <<'PY'; then
import re, sys
text = open(sys.argv[1]).read()
m = re.search(r"memory_per_rank = 65536\.00 GiB is more than the node \S+ \(2 ranks\) offers "
              r"([0-9.]+) GiB per rank", text)
assert m, text
offered = float(m.group(1)) * 2**30
available = None
for line in open("/proc/meminfo"):
    if line.startswith("MemAvailable:"):
        available = int(line.split()[1]) * 1024
try:  # a cgroup v2 limit leaves less
    limit = open("/sys/fs/cgroup/memory.max").read().strip()
    if limit != "max":
        used = int(open("/sys/fs/cgroup/memory.current").read())
        available = min(available, int(limit) - used)
except OSError:
    pass
want = available / 2
print(f"offered {offered / 2**30:.2f} GiB per rank, /proc/meminfo (and cgroup) {want / 2**30:.2f}")
assert 0.8 * want <= offered <= 1.25 * want, "the probe is not the node's available memory"
PY
  pass "the real memory probe: MemAvailable over the ranks, a budget past it refused"
else fail "the real memory probe (status $status)"; cat "$WORK/err"; fi
finish
