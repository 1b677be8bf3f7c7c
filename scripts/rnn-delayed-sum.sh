#!/usr/bin/env bash
# RNN learning quality and speed on the paper's delayed-sum task (SPEC section 3):
# 300 training / 100 test sequences of T = 100 steps (datasets delayed-sum, seed 99).
# For each rule, the learning rate is chosen by the lowest prequential (train) loss over
# EPOCHS epochs at the sweep widths; the chosen rate is evaluated on the held-out file.
# Widths listed in FIXED_WIDTHS are not swept (too expensive here): they reuse the rate chosen
# at width 256 (NTK parameterization keeps good rates roughly width-independent).
# Alignment tracking is off, so steps/s is the learning step alone.
# Usage: scripts/rnn-delayed-sum.sh   (env: EPOCHS=5 SWEEP_WIDTHS="32 256" FIXED_WIDTHS=1024
#        FIXED_EPOCHS=5 LRS="0.0003 0.001 0.003 0.01 0.03")
set -euo pipefail
cd "$(dirname "$0")/.."
EPOCHS=${EPOCHS:-5}
SWEEP_WIDTHS=${SWEEP_WIDTHS:-32 256}
FIXED_WIDTHS=${FIXED_WIDTHS:-1024}
FIXED_EPOCHS=${FIXED_EPOCHS:-$EPOCHS}
LRS=${LRS:-0.0003 0.001 0.003 0.01 0.03}
RULES="bp align-zero align-ada readout"
JAR=${JAR:-target/alignstream.jar}
DATA=${DATA:-data}
[ -f $DATA/delayed-sum-train.jsonl ] || java -jar $JAR datasets delayed-sum --out $DATA
OUT=${OUT:-$(mktemp -d)}
mkdir -p "$OUT"
field() { python3 -c "import json;print(json.load(open('$1'))['$2'])"; }
run() { # width rule lr epochs -> "width rule lr epochs preq_loss test_loss steps/s steps/cpu-s"
  local w=$1 rule=$2 lr=$3 ep=$4 tag="$1-$2-$3"
  java -jar $JAR train --arch rnn --data $DATA/delayed-sum-train.jsonl --layers 1,$w,1 --rule $rule --lr $lr \
    --epochs $ep --no-alignment --export "$OUT/$tag.safetensors" --report "$OUT/$tag.json" >/dev/null
  java -jar $JAR evaluate --model "$OUT/$tag.safetensors" --data $DATA/delayed-sum-test.jsonl \
    --report "$OUT/$tag-test.json" >/dev/null
  printf "%s %s %s %s %.5f %.5f %.0f %.0f\n" $w $rule $lr $ep "$(field "$OUT/$tag.json" prequential_loss)" \
    "$(field "$OUT/$tag-test.json" mean_loss)" "$(field "$OUT/$tag.json" steps_per_second)" \
    "$(field "$OUT/$tag.json" steps_per_cpu_second)"
}
echo "width rule lr epochs prequential_train_loss test_loss steps/s steps/cpu-s"
for w in $SWEEP_WIDTHS; do
  for rule in $RULES; do
    for lr in $LRS; do run $w $rule $lr $EPOCHS; done
  done
done | tee "$OUT/sweep.txt"
best() { # width rule -> lr with the lowest finite prequential loss
  awk -v w=$1 -v r=$2 '$1==w && $2==r && $5+0==$5 && $5!="nan" && $5!="inf" {print $3, $5}' "$OUT/sweep.txt" \
    | sort -k2,2g | head -1 | cut -d' ' -f1
}
for w in $FIXED_WIDTHS; do
  for rule in $RULES; do run $w $rule "$(best 256 $rule)" $FIXED_EPOCHS; done
done | tee "$OUT/fixed.txt"
python3 - "$DATA" <<'PY'
import json, sys
d = sys.argv[1]
def load(f):
    return [json.loads(l) for l in open(f) if l.strip()]
train = load(d + "/delayed-sum-train.jsonl"); test = load(d + "/delayed-sum-test.jsonl")
ys = [t[0] for r in train for t in r["targets"]]
m = sum(ys) / len(ys)
loss = sum(sum(0.5 * (t[0] - m) ** 2 for t in r["targets"]) / len(r["targets"]) for r in test) / len(test)
print("\nbaseline: always predict the training-target mean %.4f -> test loss %.5f" % (m, loss))
PY
echo
echo "chosen per width and rule (sweep widths: lowest prequential train loss; others: rate of width 256):"
for w in $SWEEP_WIDTHS; do
  for rule in $RULES; do grep "^$w $rule $(best $w $rule) " "$OUT/sweep.txt"; done
done
cat "$OUT/fixed.txt"
echo "(files in $OUT)"
