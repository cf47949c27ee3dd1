#!/bin/sh
# Builds the DocC documentation of the SwiftCNN library (Sources/SwiftCNN/SwiftCNN.docc
# and the doc comments) with swift-docc-plugin, failing on any DocC warning (a broken
# symbol link, an unknown topic, a malformed directive).
#
#   Tools/build_docs.sh                # static site in .build/docs
#   Tools/build_docs.sh OUTPUT_DIR
#   python3 -m http.server -d .build/docs 8000   # then open /documentation/swiftcnn
set -eu
cd "$(dirname "$0")/.."
out="${1:-.build/docs}"
swift package --allow-writing-to-directory "$out" \
    generate-documentation --target SwiftCNN --output-path "$out" \
    --transform-for-static-hosting --hosting-base-path / --warnings-as-errors
echo "Documentation in $out (open $out/documentation/swiftcnn/index.html through a web server)"
