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
        demo weight-report docs bench fuzz test-sanitize clean

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

# Fuzzing and sanitizers build with clang-22 in their own directories.
FUZZ_BUILD_DIR ?= build-fuzz
ASAN_BUILD_DIR ?= build-asan
FUZZ_RUNS      ?= 1000000
FUZZ_SECONDS   ?= 600
SANITIZE       = -fsanitize=address,undefined -fno-sanitize-recover=undefined \
                 -fno-omit-frame-pointer
CLANG_FLAGS    = -G Ninja -S . -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DMLIR_DIR=$(LLVM_PREFIX)/lib/cmake/mlir \
  -DLLVM_EXTERNAL_LIT=$(LLVM_PREFIX)/bin/lit \
  -DPython3_EXECUTABLE=$(PYTHON) \
  -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
  -DCMAKE_EXE_LINKER_FLAGS="$(SANITIZE)" \
  -DCMAKE_SHARED_LINKER_FLAGS="$(SANITIZE)" \
  -DCMAKE_MODULE_LINKER_FLAGS="$(SANITIZE)"

fuzz:
	@scripts/install-deps.sh --sanitize
	@test -f $(FUZZ_BUILD_DIR)/build.ninja || cmake $(CLANG_FLAGS) \
	  -B $(FUZZ_BUILD_DIR) -DBQ_ENABLE_FUZZERS=ON \
	  -DBQ_ENABLE_UNITTESTS=OFF -DBQ_ENABLE_BENCHMARKS=OFF \
	  -DBQ_ENABLE_PYTHON=OFF \
	  -DCMAKE_CXX_FLAGS="$(SANITIZE) -fsanitize=fuzzer-no-link" \
	  -DCMAKE_C_FLAGS="$(SANITIZE) -fsanitize=fuzzer-no-link"
	@ninja -C $(FUZZ_BUILD_DIR) bq-opt-fuzzer quantizer-fuzzer
	@scripts/run-fuzzers.sh $(FUZZ_BUILD_DIR) $(FUZZ_RUNS) $(FUZZ_SECONDS)

test-sanitize:
	@scripts/install-deps.sh --sanitize
	@rt=$$(dirname $$(clang++-22 -print-file-name=libclang_rt.asan-x86_64.so)); \
	link="$(SANITIZE) -shared-libsan -Wl,-rpath,$$rt"; \
	test -f $(ASAN_BUILD_DIR)/build.ninja || cmake $(CLANG_FLAGS) \
	  -B $(ASAN_BUILD_DIR) -DBQ_ENABLE_BENCHMARKS=OFF \
	  -DCMAKE_CXX_FLAGS="$(SANITIZE)" -DCMAKE_C_FLAGS="$(SANITIZE)" \
	  -DCMAKE_EXE_LINKER_FLAGS="$$link" \
	  -DCMAKE_SHARED_LINKER_FLAGS="$$link" \
	  -DCMAKE_MODULE_LINKER_FLAGS="$$link"
	@ninja -C $(ASAN_BUILD_DIR)
	@BQ_SANITIZE=1 scripts/run-tests.sh $(ASAN_BUILD_DIR)

clean:
	rm -rf $(BUILD_DIR) $(FUZZ_BUILD_DIR) $(ASAN_BUILD_DIR)
