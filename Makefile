# bq: the two commands of the README's quick start, and their parts.
#
#   make test    install deps -> configure -> build -> lit, ctest, pytest
#   make demo    install deps -> build -> quantize, compile and run the
#                digit classifiers (RETRAIN=1 retrains them first)
#
# Both are incremental when run again. Variables: BUILD_DIR, BUILD_TYPE,
# LLVM_PREFIX, PYTHON, JOBS.

BUILD_DIR   ?= build
BUILD_TYPE  ?= Release
LLVM_PREFIX ?= /usr/lib/llvm-22
PYTHON      ?= /usr/bin/python3
JOBS        ?= $(shell nproc)

CMAKE_FLAGS = -G Ninja -S . -B $(BUILD_DIR) \
  -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) \
  -DMLIR_DIR=$(LLVM_PREFIX)/lib/cmake/mlir \
  -DLLVM_EXTERNAL_LIT=$(LLVM_PREFIX)/bin/lit \
  -DPython3_EXECUTABLE=$(PYTHON)

.PHONY: all deps configure build test check-lit check-unit check-python \
        demo weight-report docs bench clean

all: build

deps:
	@scripts/install-deps.sh

configure: deps
	@test -f $(BUILD_DIR)/build.ninja || cmake $(CMAKE_FLAGS)

build: configure
	@ninja -C $(BUILD_DIR) -j $(JOBS)

test: build
	@scripts/run-tests.sh $(BUILD_DIR)

check-lit: build
	@$(LLVM_PREFIX)/bin/lit -sv $(BUILD_DIR)/test

check-unit: build
	@cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

check-python: build
	@BQ_BUILD_DIR=$(abspath $(BUILD_DIR)) $(PYTHON) -m pytest -q python/tests

demo: build
	@scripts/install-deps.sh --demo
	@if [ -n "$(RETRAIN)" ]; then \
	  scripts/install-deps.sh --train && $(PYTHON) examples/digits/train.py; \
	fi
	@$(PYTHON) examples/digits/demo.py --build-dir $(BUILD_DIR)

weight-report: build
	@$(PYTHON) examples/weight-report/demo.py --build-dir $(BUILD_DIR)

docs: configure
	@ninja -C $(BUILD_DIR) bq-doc
	@mkdir -p docs/generated
	@cp $(BUILD_DIR)/docs/Dialects/BQDialect.md $(BUILD_DIR)/docs/BQPasses.md \
	  $(BUILD_DIR)/docs/BQConversionPasses.md docs/generated/
	@echo "docs/generated updated from $(BUILD_DIR)/docs"

bench: build
	@scripts/install-deps.sh --bench
	@ninja -C $(BUILD_DIR) bq-benchmarks
	@$(BUILD_DIR)/benchmarks/cpu-matmul-bench --csv $(BUILD_DIR)/cpu-matmul.csv
	@$(PYTHON) benchmarks/plot_cpu.py $(BUILD_DIR)/cpu-matmul.csv $(BUILD_DIR)/cpu-matmul.png
	@$(BUILD_DIR)/benchmarks/quantizer-bench

clean:
	rm -rf $(BUILD_DIR)
