#!/usr/bin/env bash
# End-to-end learning throughput through Kafka (embedded broker, exactly-once, one model, batch
# 1) against the in-memory `bench` figure for the same model, measured in the same run.
# The whole backlog (WARMUP + N samples) is in the topic before the service consumes any of it
# (the service is stopped while it is produced); the first WARMUP samples warm the JIT up, as
# `bench` does, and the rate is taken over the rest.
# Usage: scripts/e2e-throughput.sh [layers] [rule] [samples]
# Env: WARMUP (default 12000: on a 2-core machine C2 compiled Kafka's code paths for 0.5-0.9 s
#      each and still took 140-250 us of CPU per sample after 4000 and 13000 samples, as much as
#      the stream thread itself), SERVE_ARGS, SERVE_OPTS (JVM options of the service and of the
#      in-memory bench, e.g. "--add-modules jdk.incubator.vector"), JAR.
set -euo pipefail
cd "$(dirname "$0")/.."
LAYERS=${1:-784,256,256,10}; RULE=${2:-align-ada}; N=${3:-8000}; WARMUP=${WARMUP:-12000}
JAR=${JAR:-target/alignstream.jar}
[ -f data/mnist-train.csv ] || java -jar $JAR datasets mnist --out data
WORK=$(mktemp -d); KPORT=${KPORT:-19500}; HPORT=${HPORT:-18500}
java -jar $JAR broker --port $KPORT --dir "$WORK/kafka" > "$WORK/broker.log" 2>&1 & BROKER=$!
SERVE=; trap 'kill ${SERVE:-} $BROKER 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"' EXIT
until grep -qs ready "$WORK/broker.log"; do sleep 0.2; done
# produce_n STREAM COUNT: the first COUNT samples of the training file, from its start again
# as often as needed when the file holds fewer (the file's size depends on `datasets`' options)
produce_n() {
  local left=$2 rows n
  rows=$(($(wc -l < data/mnist-train.csv) - 1))
  while [ "$left" -gt 0 ]; do
    n=$((left < rows ? left : rows))
    java -jar $JAR produce --bootstrap-servers 127.0.0.1:$KPORT --data data/mnist-train.csv --stream "$1" --limit $n > /dev/null
    left=$((left - n))
  done
}
serve() {
  java ${SERVE_OPTS:-} -jar $JAR serve --bootstrap-servers 127.0.0.1:$KPORT --http-port $HPORT --state-dir "$WORK/state" \
    --instance-id e2e --partitions 1 ${SERVE_ARGS:-} >> "$WORK/serve.log" 2>&1 & SERVE=$!
  until grep -qs "service ready" "$WORK/serve.log"; do sleep 0.2; done
}
seen() { curl -s localhost:$HPORT/models/$1 | grep -o '"samples_seen":[0-9]*' | cut -d: -f2; }
cpu() { awk -v t=$(getconf CLK_TCK) '{print ($14 + $15) / t}' /proc/$1/stat; } # CPU seconds so far
# the service's stream thread (its native id from jstack), whose CPU time per sample is the
# figure that a loaded machine distorts least (0 when jstack is missing)
stream_tid() { jstack $SERVE 2>/dev/null | grep -m1 -- '-StreamThread-1"' | sed -n 's/.* nid=\(0x[0-9a-f]*\).*/\1/p'; }
tcpu() { [ -n "$TID" ] && [ -r /proc/$SERVE/task/$((TID))/stat ] && cpu $SERVE/task/$((TID)) || echo 0; }
serve   # creates the topics
java -jar $JAR models create --bootstrap-servers 127.0.0.1:$KPORT --id e2e --stream e2e --layers "$LAYERS" \
  --rule "$RULE" --lr 0.2 --input-scale 3 --target-offset -0.1 --no-alignment > /dev/null
kill $SERVE; wait $SERVE || true; : > "$WORK/serve.log"
produce_n e2e $((WARMUP + N))
serve
TID=$(stream_tid) # before the warm-up ends: attaching jstack takes a second
until [ "$(seen e2e)" -ge "$WARMUP" ] 2>/dev/null; do sleep 0.02; done
c0=$(seen e2e); start=$(date +%s.%N); s0=$(cpu $SERVE); b0=$(cpu $BROKER); t0=$(tcpu)
until [ "$(seen e2e)" -ge $((WARMUP + N)) ] 2>/dev/null; do sleep 0.02; done
end=$(date +%s.%N); s1=$(cpu $SERVE); b1=$(cpu $BROKER); t1=$(tcpu)
e2e=$(python3 -c "print(round(($WARMUP + $N - $c0) / ($end - $start), 1))")
bench=$(java ${SERVE_OPTS:-} -jar $JAR bench --layers "$LAYERS" --rule "$RULE" --batch 1 --track-alignment off --seconds 5 2>/dev/null | awk -v r="$RULE" '$1==r && $2=="1" {print $4; exit}')
echo "end-to-end through Kafka: $e2e samples/s (samples $c0..$((WARMUP + N)) of a backlog, after $WARMUP to warm up)"
python3 -c "w = $end - $start; n = $WARMUP + $N - $c0; print('  over those %.1f s: service %.1f CPU s (%.0f us per sample), of which its stream thread %.1f (%.0f us per sample, busy %.0f%% of the time); broker %.1f CPU s (2 cores = %.1f CPU s)' % (w, $s1 - $s0, 1e6 * ($s1 - $s0) / n, $t1 - $t0, 1e6 * ($t1 - $t0) / n, 100 * ($t1 - $t0) / w, $b1 - $b0, 2 * w))"
echo "in-memory bench:          $bench samples/s"
python3 -c "print('ratio end-to-end / bench: %.2f' % ($e2e / $bench))"
