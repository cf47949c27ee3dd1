# The two commands of the README: `make train` and `make test`.
MODEL ?= baseline
EPOCHS ?= 5
ARGS ?=
# CIFAR-10: --data DIR when DATA is set (a checkout beside ../shared uses its copy),
# else $SWIFTCNN_DATA, else ~/.swiftcnn/datasets (downloaded there when missing).
DATA ?= $(wildcard ../shared/data/cifar-10-batches-bin)

.PHONY: deps build train test docs
deps:
	@scripts/ensure-deps.sh

build: deps
	swift build -c release --product swiftcnn

# Trains a course model on CIFAR-10 as the course does (Adam, batch 32, checkpoints).
train: build
	.build/release/swiftcnn train --model $(MODEL) --epochs $(EPOCHS) $(if $(DATA),--data $(DATA)) $(ARGS)

test: deps
	swift test

# The DocC documentation (.build/docs), failing on any DocC warning; not part of `test`.
docs:
	Tools/build_docs.sh
