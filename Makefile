# The two commands of the README: `make train` and `make test`.
MODEL ?= baseline
EPOCHS ?= 5
ARGS ?=

.PHONY: deps build train test
deps:
	@scripts/ensure-deps.sh

build: deps
	swift build -c release --product swiftcnn

# Trains a course model on CIFAR-10 as the course does (Adam, batch 32, checkpoints).
train: build
	.build/release/swiftcnn train --model $(MODEL) --epochs $(EPOCHS) $(ARGS)

test: deps
	swift test
