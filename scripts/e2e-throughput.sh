#!/usr/bin/env bash
# End-to-end learning throughput through Kafka (embedded broker, exactly-once, one model, batch
# 1) against the in-memory `bench` figure for the same model, measured in the same run.
# The whole backlog (WARMUP + N samples) is in the topic before the service consumes any of it
# (the service is stopped while it is produced); the first WARMUP samples warm the JIT up, as
# `bench` does, and the rate is taken over the rest.
# THREADS=1 also prints the service's threads by CPU time in the window (reading them costs this
# script ~5% of a core).
# Usage: scripts/e2e-throughput.sh [layers] [rule] [samples]
# Env: WARMUP (default 200000: on a 2-core machine the service's and the broker's JIT compilers
#      work through Kafka's, Streams', RocksDB's and Jackson's code paths for ~20 s of full load;
#      C2 still took 34-48 us of CPU per sample in the window after 40,000-100,000 samples and 9.5
#      after 200,000, and a 784-256-256-10 align-ada model measured 0.59-0.76 of `bench` after
#      40,000 against 1.14 after 200,000; THREADS=1 shows it), SERVE_ARGS, SERVE_OPTS (JVM options of the service and of the
#      in-memory bench, e.g. "--add-modules jdk.incubator.vector"), JAR, POLL (seconds between two
#      readings of the service's progress, default 0.5; the readings are builtins, ~nothing).
set -euo pipefail
cd "$(dirname "$0")/.."
LAYERS=${1:-784,256,256,10}; RULE=${2:-align-ada}; N=${3:-8000}; WARMUP=${WARMUP:-200000}
JAR=${JAR:-target/alignstream.jar}
KPORT=${KPORT:-19500}; HPORT=${HPORT:-18500}; POLL=${POLL:-0.5}
source scripts/e2e-common.sh
# reading: one observation of samples seen, wall time and the CPU ticks of the service, its
# stream thread, the broker and this script (its builtins run in its own process)
reading() {
  seen_now e2e; R_SEEN=$SEEN; R_TIME=$EPOCHREALTIME
  ticks $SERVE; R_S=$TICKS; ticks $BROKER; R_B=$TICKS; ticks $$; R_SELF=$TICKS
  if [ -n "$TID" ]; then ticks $SERVE/task/$((TID)); R_T=$TICKS; else R_T=0; fi
  if [ -n "${THREADS:-}" ]; then thread_ticks $SERVE; R_THREADS=$THREAD_TICKS; fi
}
# the service's stream thread (its native id from jstack), whose CPU time per sample is the
# figure that a loaded machine distorts least (0 when jstack is missing)
stream_tid() { jstack $SERVE 2>/dev/null | grep -m1 -- '-StreamThread-1"' | sed -n 's/.* nid=\(0x[0-9a-f]*\).*/\1/p'; }
serve   # creates the topics
create e2e e2e
kill $SERVE; wait $SERVE || true; : > "$WORK/serve.log"
produce_n e2e $((WARMUP + N))
serve
TID=$(stream_tid) # before the warm-up ends: attaching jstack takes a second
until seen_now e2e; [ "$SEEN" -ge "$WARMUP" ]; do nap $POLL; done
# the window runs from the first reading past the warm-up to the last reading before the backlog
# is learned (the service was busy all that time), so the rate is exact whatever POLL is
reading; c0=$R_SEEN start=$R_TIME s0=$R_S b0=$R_B t0=$R_T k0=$R_SELF th0=${R_THREADS:-}
c1=$c0
while :; do
  nap $POLL
  p_seen=$R_SEEN p_time=$R_TIME p_s=$R_S p_b=$R_B p_t=$R_T p_k=$R_SELF p_th=${R_THREADS:-}
  reading
  [ "$R_SEEN" -lt $((WARMUP + N)) ] || break
done
if [ "$p_seen" -gt "$c0" ]; then
  c1=$p_seen end=$p_time s1=$p_s b1=$p_b t1=$p_t k1=$p_k th1=${p_th:-}
else # the whole window fitted in one poll: take the end reading (overstates the time)
  c1=$R_SEEN end=$R_TIME s1=$R_S b1=$R_B t1=$R_T k1=$R_SELF th1=${R_THREADS:-}
fi
HZ=$(getconf CLK_TCK); CORES=$(nproc)
e2e=$(python3 -c "print(round(($c1 - $c0) / ($end - $start), 1))")
bench=$(java ${SERVE_OPTS:-} -jar $JAR bench --layers "$LAYERS" --rule "$RULE" --batch 1 --track-alignment off --seconds 5 2>/dev/null | awk -v r="$RULE" '$1==r && $2=="1" {print $4; exit}')
echo "end-to-end through Kafka: $e2e samples/s (samples $c0..$c1 of a backlog of $((WARMUP + N)), after $WARMUP to warm up)"
python3 -c "
w = $end - $start; n = $c1 - $c0; hz = $HZ
s, t, b, k = ($s1 - $s0) / hz, ($t1 - $t0) / hz, ($b1 - $b0) / hz, ($k1 - $k0) / hz
print('  over those %.1f s: service %.1f CPU s (%.0f us per sample), of which its stream thread %.1f (%.0f us per sample, busy %.0f%% of the time); broker %.1f CPU s (%.0f us per sample); this script %.2f CPU s ($CORES cores = %.1f CPU s)'
      % (w, s, 1e6 * s / n, t, 1e6 * t / n, 100 * t / w, b, 1e6 * b / n, k, $CORES * w))"
echo "in-memory bench:          $bench samples/s"
python3 -c "print('ratio end-to-end / bench: %.2f' % ($e2e / $bench))"
if [ -n "${THREADS:-}" ]; then
  thread_report service "$th0" "$th1" $((c1 - c0))
fi
