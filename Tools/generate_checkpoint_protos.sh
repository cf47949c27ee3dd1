#!/bin/sh
# Regenerates Sources/SwiftCNN/IO/Generated/*.pb.swift from the minimal .proto
# copies in Sources/SwiftCNN/IO/Protos (TensorFlow checkpoints and event files, ONNX). Run by hand only when a .proto changes;
# the generated files are committed so that building never needs protoc.
#
# Needs protoc (Debian: protobuf-compiler) and protoc-gen-swift built from the
# same swift-protobuf version the package resolves, e.g.
#   swift build -c release --product protoc-gen-swift \
#     --package-path .build/checkouts/swift-protobuf --scratch-path /tmp/pgs
#   PROTOC_GEN_SWIFT=/tmp/pgs/release/protoc-gen-swift Tools/generate_checkpoint_protos.sh
set -eu
cd "$(dirname "$0")/../Sources/SwiftCNN/IO"
plugin="${PROTOC_GEN_SWIFT:-$(command -v protoc-gen-swift)}"
protoc --plugin=protoc-gen-swift="$plugin" --swift_out=Generated -I Protos Protos/*.proto
