#!/usr/bin/env bash
# Builds the libFuzzer targets in Tools/fuzz/targets and runs each for N executions,
# one at a time, niced, starting from its seed corpus in Tools/fuzz/corpus/<target>/.
#
#   Tools/fuzz/run.sh                       # every target, 1,000,000 executions each
#   Tools/fuzz/run.sh -n 20000 png jpeg     # two targets, 20,000 executions each
#   Tools/fuzz/run.sh -t 600 objectgraph    # stop after 600 s even if N is not reached
#   Tools/fuzz/run.sh --build-only
#   Tools/fuzz/run.sh --make-corpus         # regenerate the committed seed corpora
#
# Crashes are written to .build-fuzz/artifacts/<target>/ (crash-*, leak-*, timeout-*,
# oom-*); new coverage goes to .build-fuzz/corpus/<target>/ (the committed seeds are
# never modified). Copy a crash to Tests/SwiftCNNTests/Fixtures/fuzz/<target>/ to make it
# a regression test (`swift test --filter FuzzRegression`).
#
# The recipe (SwiftPM cannot pass -sanitize=fuzzer to one target only):
#   1. SwiftProtobuf, a package dependency, is built by SwiftPM in release mode into
#      .build-fuzz (no sanitizer; it only needs to link).
#   2. The SwiftCNN library sources are compiled once, whole-module, with
#      `-sanitize=fuzzer,address -O -enable-testing` into one object and a .swiftmodule
#      (-enable-testing lets the targets `@testable import SwiftCNN` to reach the internal
#      byte-level entry points). The system-library module maps in Sources/C* are found
#      with -I; CSwiftCNNSupport gets a generated module map and its C files are compiled
#      with clang -fsanitize=fuzzer-no-link,address.
#   3. Each target (one file with `@_cdecl("LLVMFuzzerTestOneInput")`) is compiled and
#      linked with -sanitize=fuzzer,address against those objects; libFuzzer supplies main.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
RUNS=1000000
MAX_TIME=0
BUILD_ONLY=0
MAKE_CORPUS=0
TARGETS=()
while [ $# -gt 0 ]; do
    case "$1" in
        -n|--runs) RUNS="$2"; shift 2 ;;
        -t|--max-time) MAX_TIME="$2"; shift 2 ;;
        --build-only) BUILD_ONLY=1; shift ;;
        --make-corpus) MAKE_CORPUS=1; shift ;;
        -h|--help) sed -n '2,30p' "$0"; exit 0 ;;
        *) TARGETS+=("$1"); shift ;;
    esac
done
if [ ${#TARGETS[@]} -eq 0 ]; then
    for f in Tools/fuzz/targets/*.swift; do TARGETS+=("$(basename "$f" .swift)"); done
fi

SCRATCH="$ROOT/.build-fuzz"
OUT="$SCRATCH/fuzz"
mkdir -p "$OUT/include/CSwiftCNNSupport"
NICE="nice -n 19"
# The Swift runtime backtracer fights ASan and libFuzzer over crashes; let them report.
export SWIFT_BACKTRACE=enable=no

# 1. SwiftProtobuf (release, unsanitized).
if [ ! -d "$SCRATCH/release/Modules/SwiftProtobuf.swiftmodule" ] && [ ! -f "$SCRATCH/release/Modules/SwiftProtobuf.swiftmodule" ]; then
    echo "== building SwiftProtobuf with SwiftPM"
    $NICE swift build -c release --scratch-path "$SCRATCH" --target SwiftProtobuf
fi
PROTOBUF_OBJECTS=("$SCRATCH"/release/SwiftProtobuf.build/*.o)

CFLAGS_PC="$(pkg-config --cflags openblas libpng libjpeg zlib hdf5 libzip 2>/dev/null || true)"
XCC=()
for flag in $CFLAGS_PC; do XCC+=(-Xcc "$flag"); done
MODULE_FLAGS=(-I Sources/COpenBLAS -I Sources/CZlib -I Sources/CDeflate -I Sources/CPNG -I Sources/CJPEG -I Sources/CHDF5 -I Sources/CZip
    -I "$OUT/include/CSwiftCNNSupport" -I "$SCRATCH/release/Modules" "${XCC[@]}")
SANITIZE=(-sanitize=fuzzer,address)

# 2. CSwiftCNNSupport and the library.
cat > "$OUT/include/CSwiftCNNSupport/module.modulemap" <<MAP
module CSwiftCNNSupport {
    header "$ROOT/Sources/CSwiftCNNSupport/include/CSwiftCNNSupport.h"
    export *
}
MAP
LIB_SOURCES=$(find Sources/SwiftCNN -name '*.swift' | sort)
STAMP="$OUT/SwiftCNN.stamp"
# `head` closing the pipe early makes `ls` die of SIGPIPE; with pipefail that would end the script.
NEWEST=$(ls -t $LIB_SOURCES Sources/CSwiftCNNSupport/*.c Sources/CSwiftCNNSupport/include/*.h Tools/fuzz/run.sh | head -1 || true)
if [ ! -f "$STAMP" ] || [ "$NEWEST" -nt "$STAMP" ]; then
    echo "== compiling CSwiftCNNSupport"
    rm -f "$OUT"/CSwiftCNNSupport-*.o
    for c in Sources/CSwiftCNNSupport/*.c; do
        $NICE clang -O2 -fPIC -fsanitize=fuzzer-no-link,address -I Sources/CSwiftCNNSupport/include \
            -c "$c" -o "$OUT/CSwiftCNNSupport-$(basename "$c" .c).o"
    done
    echo "== compiling SwiftCNN with -sanitize=fuzzer,address (a few minutes)"
    $NICE swiftc "${SANITIZE[@]}" -O -wmo -enable-testing -parse-as-library -swift-version 6 \
        -module-name SwiftCNN -emit-module -emit-module-path "$OUT/SwiftCNN.swiftmodule" \
        "${MODULE_FLAGS[@]}" -c $LIB_SOURCES -o "$OUT/SwiftCNN.o"
    touch "$STAMP"
fi

# The seed corpus generator (rewrites Tools/fuzz/corpus; its output is committed).
if [ "$MAKE_CORPUS" = 1 ]; then
    echo "== building and running make_corpus"
    FUZZER_NO_MAIN="$(dirname "$(swiftc -print-target-info >/dev/null 2>&1; command -v swiftc)")/../lib/clang"
    FUZZER_NO_MAIN="$(ls "$FUZZER_NO_MAIN"/*/lib/linux/libclang_rt.fuzzer_no_main-x86_64.a | head -1)"
    $NICE swiftc -sanitize=address -O -parse-as-library -swift-version 6 -module-name MakeCorpus \
        -Xlinker "$FUZZER_NO_MAIN" -lstdc++ \
        -I "$OUT" "${MODULE_FLAGS[@]}" Tools/fuzz/make_corpus.swift "$OUT/SwiftCNN.o" "$OUT"/CSwiftCNNSupport-*.o \
        "${PROTOBUF_OBJECTS[@]}" $(pkg-config --libs-only-L openblas hdf5 2>/dev/null || true) \
        -lopenblas -lpng16 -ljpeg -lz -ldeflate -lhdf5 -lzip -use-ld=lld -o "$OUT/make_corpus"
    rm -rf Tools/fuzz/corpus
    "$OUT/make_corpus"
    du -sh Tools/fuzz/corpus
    exit 0
fi

# 3. The targets.
for target in "${TARGETS[@]}"; do
    src="Tools/fuzz/targets/$target.swift"
    [ -f "$src" ] || { echo "no such target: $target ($src)"; exit 2; }
    bin="$OUT/$target"
    if [ ! -x "$bin" ] || [ "$src" -nt "$bin" ] || [ Tools/fuzz/support/FuzzSupport.swift -nt "$bin" ] || [ "$STAMP" -nt "$bin" ]; then
        echo "== building $target"
        $NICE swiftc "${SANITIZE[@]}" -O -parse-as-library -swift-version 6 -module-name "Fuzz_$target" \
            -I "$OUT" "${MODULE_FLAGS[@]}" "$src" Tools/fuzz/support/FuzzSupport.swift "$OUT/SwiftCNN.o" "$OUT"/CSwiftCNNSupport-*.o \
            "${PROTOBUF_OBJECTS[@]}" $(pkg-config --libs-only-L openblas hdf5 2>/dev/null || true) \
            -lopenblas -lpng16 -ljpeg -lz -ldeflate -lhdf5 -lzip -use-ld=lld -o "$bin"
    fi
done
[ "$BUILD_ONLY" = 1 ] && exit 0

# 4. Run, one target at a time.
status=0
for target in "${TARGETS[@]}"; do
    seeds="Tools/fuzz/corpus/$target"
    work="$SCRATCH/corpus/$target"
    artifacts="$SCRATCH/artifacts/$target"
    mkdir -p "$work" "$artifacts"
    log="$SCRATCH/logs/$target.log"
    mkdir -p "$(dirname "$log")"
    echo "== fuzzing $target: $RUNS runs$( [ "$MAX_TIME" != 0 ] && echo ", at most $MAX_TIME s")"
    started=$(date +%s.%N)
    set +e
    $NICE "$OUT/$target" -runs="$RUNS" -max_total_time="$MAX_TIME" -timeout=10 -rss_limit_mb=4096 \
        -max_len=65536 -print_final_stats=1 -artifact_prefix="$artifacts/" "$work" "$seeds" \
        >"$log" 2>&1
    rc=$?
    set -e
    elapsed=$(echo "$(date +%s.%N) - $started" | bc)
    runs=$(grep -E '^stat::number_of_executed_units' "$log" | awk '{print $2}')
    # libFuzzer's own average_exec_per_sec is whole runs over whole seconds (0 under 1 s).
    echo "   executions: ${runs:-?} in $(printf %.1f "$elapsed") s ($(echo "${runs:-0} / $elapsed" | bc) exec/s)"
    grep -E '^(stat::new_units_added|stat::peak_rss_mb)' "$log" | sed "s/^/   /"
    if [ $rc -ne 0 ]; then
        status=1
        echo "   CRASH (exit $rc), see $log; inputs:"
        ls "$artifacts" | sed "s|^|   $artifacts/|"
    fi
done
exit $status
