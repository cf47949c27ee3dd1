# Sourced by Tools/kill_test.sh and Tools/full_disk_test.sh: the training run both tests
# start (LeNet5 on Fashion-MNIST from Debian's package, by default with the release build)
# and the options that change it. Set `test_name` before sourcing; a test's own options
# go in `extra_options` as "--flag variable" pairs.
binary=.build/release/swiftcnn
dataset=fashion-mnist
data=/usr/share/datasets/fashion-mnist
model=lenet5
while [ $# -gt 0 ]; do
    case "$1" in
        --binary) binary=$2; shift 2 ;;
        --data) data=$2; shift 2 ;;
        --dataset) dataset=$2; shift 2 ;;
        --model) model=$2; shift 2 ;;
        *)
            known=""
            for pair in ${extra_options:-}; do
                flag=${pair%%=*}
                [ "$1" = "$flag" ] && known=${pair#*=}
            done
            [ -n "$known" ] || { echo "$test_name: unknown option $1" >&2; exit 2; }
            printf -v "$known" '%s' "$2"
            shift 2
            ;;
    esac
done
[ -x "$binary" ] || { echo "$test_name: no binary at $binary (build it first)" >&2; exit 2; }
