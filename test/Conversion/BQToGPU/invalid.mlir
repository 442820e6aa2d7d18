// RUN: bq-opt %s --bq-gpu-emit-kernels=tile-k=8 --split-input-file --verify-diagnostics
// RUN: not bq-opt %s --split-input-file --bq-gpu-emit-kernels="mma=b1 chip=sm_75" 2>&1 | FileCheck %s --check-prefix=CHIP
// RUN: not bq-opt %s --split-input-file --bq-gpu-emit-kernels="mma=wmma" 2>&1 | FileCheck %s --check-prefix=MMA
// RUN: not bq-opt %s --split-input-file --bq-gpu-emit-kernels="tile-m=6" 2>&1 | FileCheck %s --check-prefix=TILE
// RUN: not bq-opt %s --split-input-file --bq-gpu-emit-kernels="chip=gfx90a" 2>&1 | FileCheck %s --check-prefix=ARCH
// RUN: not bq-opt %s --split-input-file --bq-gpu-emit-kernels="chip=sm_90 features=+ptx70" 2>&1 | FileCheck %s --check-prefix=PTX
// RUN: not bq-opt %s --split-input-file --bq-gpu-emit-kernels="chip=sm_80 features= mma=b1" 2>&1 | FileCheck %s --check-prefix=PTX-MMA
// RUN: not bq-opt %s --split-input-file --bq-gpu-emit-kernels="features=+ptxab" 2>&1 | FileCheck %s --check-prefix=PTX-BAD
// RUN: not bq-opt %s --split-input-file --bq-gpu-emit-kernels="chip=sm_90}" 2>&1 | FileCheck %s --check-prefix=CHIP-TEXT
// RUN: not bq-opt %s --split-input-file --bq-gpu-emit-kernels="features=+ptx80}" 2>&1 | FileCheck %s --check-prefix=FEATURE-TEXT

// CHIP: error: bq-gpu-emit-kernels: mma=b1 needs sm_80 or newer (b1 mma.sync m16n8k256), not sm_75
// MMA: error: bq-gpu-emit-kernels: mma must be none or b1, not 'wmma'
// TILE: error: bq-gpu-emit-kernels: tile-m and tile-n must be positive multiples of 4
// ARCH: error: bq-gpu-emit-kernels: chip must be sm_XX, not 'gfx90a'
// PTX: error: bq-gpu-emit-kernels: sm_90 needs PTX 7.8 or newer (features=+ptx78), not 7.0
// PTX-MMA: error: bq-gpu-emit-kernels: mma=b1 needs PTX 7.1 or newer (and.popc): add +ptx71 or later to features
// PTX-BAD: error: bq-gpu-emit-kernels: bad PTX feature in '+ptxab'
// CHIP-TEXT: error: bq-gpu-emit-kernels: chip must be sm_XX, not 'sm_90}'
// FEATURE-TEXT: error: bq-gpu-emit-kernels: features must be a comma-separated list of +/-names, not '+ptx80}'

// Wrappers that do not match their kind are rejected, and the module is
// left as it was (every wrapper is checked before any is defined).

func.func private @ok(memref<1x?x1xi64>, memref<1x8x1xi64>, memref<?x8xi32>)
    attributes {bq.gpu_kernel = {k = 64 : i64, kind = "bitserial_matmul"}}
// expected-error @below {{malformed bq.gpu_kernel bitserial_matmul}}
func.func private @bad_rank(memref<?x1xi64>, memref<1x8x1xi64>, memref<?x8xi32>)
    attributes {bq.gpu_kernel = {k = 64 : i64, kind = "bitserial_matmul"}}

// -----

// expected-error @below {{malformed bq.gpu_kernel bitserial_matmul}}
func.func private @words_differ(memref<1x?x1xi64>, memref<1x8x2xi64>, memref<?x8xi32>)
    attributes {bq.gpu_kernel = {k = 64 : i64, kind = "bitserial_matmul"}}

// -----

// expected-error @below {{unknown bq.gpu_kernel kind}}
func.func private @kind(memref<4xf32>) attributes {bq.gpu_kernel = {kind = "conv"}}

// -----

// expected-error @below {{malformed bq.gpu_kernel quantized_matmul}}
func.func private @k_mismatch(memref<?x99xf32>, memref<2x16x2xi64>, memref<16xi32>, memref<f32>, memref<f32>, memref<?x16xf32>)
    attributes {bq.gpu_kernel = {act_bits = 2 : i64, act_range = "dynamic", k = 100 : i64, kind = "quantized_matmul", weight_bits = 2 : i64}}

// -----

// expected-error @below {{malformed bq.gpu_kernel quantized_matmul}}
func.func private @bits(memref<?x100xf32>, memref<9x16x2xi64>, memref<16xi32>, memref<f32>, memref<f32>, memref<?x16xf32>)
    attributes {bq.gpu_kernel = {act_bits = 2 : i64, act_range = "dynamic", k = 100 : i64, kind = "quantized_matmul", weight_bits = 9 : i64}}

// -----

// expected-error @below {{static act_range needs lo and hi}}
func.func private @no_lo(memref<?x100xf32>, memref<2x16x2xi64>, memref<16xi32>, memref<f32>, memref<f32>, memref<?x16xf32>)
    attributes {bq.gpu_kernel = {act_bits = 2 : i64, act_range = "static", k = 100 : i64, kind = "quantized_matmul", weight_bits = 2 : i64}}

// -----

// 8-bit planes in 64 x 64 tiles of 8 words: 64 KiB of shared memory.
// expected-error @below {{popc kernel tiles need 65536 bytes of shared memory (at most 49152): lower tile-m, tile-n or tile-k}}
func.func private @big(memref<8x?x64xi64>, memref<8x64x64xi64>, memref<?x64xi64>)
    attributes {bq.gpu_kernel = {k = 4096 : i64, kind = "bitserial_matmul"}}
