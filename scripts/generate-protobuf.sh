#!/usr/bin/env bash
# Regenerates Sources/TokenizerFormats/Generated/*.pb.swift from scripts/proto/*.proto.
# Needs protoc (apt-get install protobuf-compiler) and protoc-gen-swift built from the
# swift-protobuf version Package.swift names:
#   git clone --branch 1.39.0 https://github.com/apple/swift-protobuf && cd swift-protobuf &&
#   swift build -c release --product protoc-gen-swift
# then PROTOC_GEN_SWIFT=/path/to/.build/release/protoc-gen-swift scripts/generate-protobuf.sh
# CI never runs this: the generated code is committed.
set -euo pipefail
cd "$(dirname "$0")/.."
plugin="${PROTOC_GEN_SWIFT:-$(command -v protoc-gen-swift || true)}"
[ -x "$plugin" ] || { echo "protoc-gen-swift not found: set PROTOC_GEN_SWIFT" >&2; exit 2; }
mkdir -p Sources/TokenizerFormats/Generated
protoc --plugin=protoc-gen-swift="$plugin" --proto_path=scripts/proto \
  --swift_out=Sources/TokenizerFormats/Generated --swift_opt=Visibility=Internal \
  scripts/proto/sentencepiece_model.proto
echo "generated Sources/TokenizerFormats/Generated/sentencepiece_model.pb.swift"
