#!/usr/bin/env bash
# Samples/s of one stream through Kafka (embedded broker, exactly-once, batch 1) with one model
# on it, and of another stream with three models on it, in the same broker and service run;
# prints both and their ratio. The backlogs (WARM_STREAM samples of a warm-up stream with one model,
# then WARMUP + N samples of each measured stream; one partition) are in the topic before the
# service consumes any of it; each rate is taken after its stream's first WARMUP samples.
# Usage: scripts/e2e-models-per-stream.sh [layers] [rule] [samples]
# Env: WARMUP (default 2000), WARM_STREAM (default 40000: the JIT compiles Kafka's code paths for
#      tens of thousands of samples on 2 cores, see e2e-throughput.sh, and the one-model stream is
#      measured first),
#      SERVE_ARGS (e.g. "--model-threads 1": one model after another),
#      SERVE_OPTS (JVM options of the service), JAR, POLL (seconds between two readings of the
#      models' progress, default 0.2; the readings are builtins, ~nothing).
set -euo pipefail
cd "$(dirname "$0")/.."
LAYERS=${1:-784,256,256,10}; RULE=${2:-align-ada}; N=${3:-8000}; WARMUP=${WARMUP:-2000}
JAR=${JAR:-target/alignstream.jar}
KPORT=${KPORT:-19510}; HPORT=${HPORT:-18510}; POLL=${POLL:-0.2}
source scripts/e2e-common.sh
# rate MODEL...: samples/s of the stream the models learn, from the first reading past WARMUP to
# the last reading before every model has learned WARMUP + N (the stream was busy all that time, so
# the rate is exact whatever POLL is); readings are builtins (scripts/e2e-common.sh)
rate() {
  until least_seen "$@"; [ "$LEAST" -ge "$WARMUP" ]; do nap $POLL; done
  local c0=$LEAST start=$EPOCHREALTIME c1 end p_seen p_time
  c1=$c0 end=$start
  while :; do
    nap $POLL
    p_seen=$c1 p_time=$end
    least_seen "$@"; c1=$LEAST end=$EPOCHREALTIME
    [ "$c1" -lt $((WARMUP + N)) ] || break
  done
  [ "$p_seen" -gt "$c0" ] && c1=$p_seen end=$p_time # else the window fitted in one poll: the end reading
  python3 -c "print(round(($c1 - $c0) / ($end - $start), 1))"
}
serve   # creates the topics
create warm warm; create one one; create three-a three; create three-b three; create three-c three
kill $SERVE; wait $SERVE || true; : > "$WORK/serve.log"
produce_n warm ${WARM_STREAM:-40000}
for s in one three; do
  produce_n $s $((WARMUP + N))
done
serve
r1=$(rate one)
r3=$(rate three-a three-b three-c)
echo "one model on its stream:    $r1 samples/s"
echo "three models on one stream: $r3 samples/s of the stream (${SERVE_ARGS:-default --model-threads})"
python3 -c "print('ratio three / one: %.2f' % ($r3 / $r1))"
