#!/usr/bin/env bash
# Learning quality on MNIST (single prequential pass over 8,000 digits, then the 2,000 test digits),
# every rule, a small learning-rate sweep. Prints one line per run and a best-per-rule table.
# Usage: scripts/quality-sweep.sh [layers] [learning rates...]
set -euo pipefail
cd "$(dirname "$0")/.."
LAYERS=${1:-784,512,512,10}
shift || true
LRS=${*:-0.05 0.1 0.2 0.5}
JAR=target/alignstream.jar
[ -f data/mnist-train.csv ] || java -jar $JAR datasets mnist --out data
OUT=$(mktemp -d)
for rule in bp align-ada align-zero fa dfa readout; do
  for lr in $LRS; do
    java -jar $JAR train --data data/mnist-train.csv --layers "$LAYERS" --rule $rule --lr $lr \
      --input-scale 3 --target-offset -0.1 --no-alignment --export "$OUT/m.safetensors" --report "$OUT/r.json" >/dev/null
    preq=$(python3 -c "import json;print(round(json.load(open('$OUT/r.json'))['prequential_accuracy'],4))")
    test=$(java -jar $JAR evaluate --model "$OUT/m.safetensors" --data data/mnist-test.csv | sed 's/.*accuracy \([0-9.]*\).*/\1/')
    echo "$rule $lr $preq $test"
  done
done | tee "$OUT/all.txt"
echo
echo "best learning rate per rule (by prequential accuracy):"
sort -k1,1 -k3,3nr "$OUT/all.txt" | awk '!seen[$1]++ {printf "%-11s lr %-5s prequential %s  test %s\n", $1, $2, $3, $4}'
