#!/usr/bin/env bash
# End-to-end learning throughput through Kafka (broker + service + one model, samples produced
# up front) against the in-memory `bench` figure for the same model, measured in the same run.
# The service is warmed up first (WARMUP samples learned, default 2000: the JIT compiles the
# step and the Kafka path), as `bench` warms up before it measures.
# Usage: scripts/e2e-throughput.sh [layers] [rule] [samples]
set -euo pipefail
cd "$(dirname "$0")/.."
LAYERS=${1:-784,256,256,10}; RULE=${2:-align-ada}; N=${3:-8000}; WARMUP=${WARMUP:-2000}
JAR=${JAR:-target/alignstream.jar}
[ -f data/mnist-train.csv ] || java -jar $JAR datasets mnist --out data
WORK=$(mktemp -d); KPORT=19500; HPORT=18500
java -jar $JAR broker --port $KPORT --dir "$WORK/kafka" > "$WORK/broker.log" 2>&1 & BROKER=$!
SERVE=; trap 'kill ${SERVE:-} $BROKER 2>/dev/null; wait 2>/dev/null' EXIT
until grep -qs ready "$WORK/broker.log"; do sleep 0.2; done
java ${SERVE_OPTS:-} -jar $JAR serve --bootstrap-servers 127.0.0.1:$KPORT --http-port $HPORT --state-dir "$WORK/state" \
  --instance-id e2e --partitions 1 ${SERVE_ARGS:-} > "$WORK/serve.log" 2>&1 & SERVE=$!
until grep -qs "service ready" "$WORK/serve.log"; do sleep 0.2; done
java -jar $JAR models create --bootstrap-servers 127.0.0.1:$KPORT --id e2e --stream e2e --layers "$LAYERS" \
  --rule "$RULE" --lr 0.2 --input-scale 3 --target-offset -0.1 --no-alignment > /dev/null
sleep 2
java -jar $JAR produce --bootstrap-servers 127.0.0.1:$KPORT --data data/mnist-train.csv --stream e2e --limit "$WARMUP" > /dev/null
until curl -s localhost:$HPORT/models/e2e | grep -q "\"samples_seen\":$WARMUP,"; do sleep 0.1; done
java -jar $JAR produce --bootstrap-servers 127.0.0.1:$KPORT --data data/mnist-train.csv --stream e2e --limit "$N" > /dev/null
# CPU seconds (user + system) a process has used so far
cpu() { awk -v t=$(getconf CLK_TCK) '{print ($14 + $15) / t}' /proc/$1/stat; }
s0=$(cpu $SERVE); b0=$(cpu $BROKER)
start=$(date +%s.%N)
until curl -s localhost:$HPORT/models/e2e | grep -q "\"samples_seen\":$((WARMUP + N)),"; do sleep 0.05; done
end=$(date +%s.%N)
s1=$(cpu $SERVE); b1=$(cpu $BROKER)
e2e=$(python3 -c "print(round($N / ($end - $start), 1))")
bench=$(java -jar $JAR bench --layers "$LAYERS" --rule "$RULE" --batch 1 --seconds 5 2>/dev/null | awk 'NR==2{print $3}')
echo "end-to-end through Kafka: $e2e samples/s ($N samples after the backlog was produced)"
python3 -c "w = $end - $start; print('  over those %.1f s: service %.1f CPU s, broker %.1f CPU s (2 cores = %.1f CPU s)' % (w, $s1 - $s0, $b1 - $b0, 2 * w))"
echo "in-memory bench:          $bench samples/s"
python3 -c "print('ratio end-to-end / bench: %.2f' % ($e2e / $bench))"
