// RUN: bq-opt %s --bq-quantize-linalg="weight-bits=1 act-bits=1" --bq-gpu-pipeline="format=isa" | FileCheck %s
// RUN: bq-opt %s --bq-quantize-linalg="weight-bits=1 act-bits=1" --bq-gpu-pipeline="format=isa" | %extract_ptx | FileCheck %s --check-prefix=PTX
// RUN: bq-opt %s --bq-quantize-linalg="weight-bits=1 act-bits=1" --bq-gpu-pipeline="format=isa mma=b1" | %extract_ptx | FileCheck %s --check-prefix=MMA
// RUN: bq-opt %s --bq-quantize-linalg="weight-bits=2 act-bits=2" --bq-gpu-pipeline="format=isa chip=sm_80 features=+ptx71 mma=b1" | %extract_ptx | FileCheck %s --check-prefix=SM80

// A quantized linalg model goes to the LLVM dialect on the host, with the
// kernels serialized to PTX by gpu-module-to-binary (no ptxas needed for
// format=isa). The host calls the mgpu* runtime functions.
// CHECK-NOT: bq.
// CHECK-NOT: linalg.
// CHECK: llvm.func @layer
// CHECK: llvm.call @mgpuStreamCreate
// CHECK: llvm.call @mgpuMemAlloc
// CHECK: llvm.call @mgpuMemcpy
// CHECK: gpu.launch_func <%{{.*}} : !llvm.ptr> @bq_gpu_quantized_matmul_kernels::@bq_gpu_quantized_matmul_minmax_partials
// CHECK: gpu.launch_func {{.*}}::@bq_gpu_quantized_matmul_minmax_final
// CHECK: gpu.launch_func {{.*}}::@bq_gpu_quantized_matmul_quantize_pack
// CHECK: gpu.launch_func {{.*}}::@bq_gpu_quantized_matmul_row_sums
// CHECK: gpu.launch_func {{.*}}::@bq_gpu_quantized_matmul_popc_matmul
// CHECK: llvm.call @mgpuMemFree
// CHECK: llvm.call @mgpuStreamSynchronize
// CHECK: gpu.binary @bq_gpu_quantized_matmul_kernels [#gpu.object<#nvvm.target<chip = "sm_90", features = "+ptx80">
// CHECK-SAME: assembly = "

// The popc kernel: shared-memory tiles, barriers, 64-bit popcounts.
// PTX: .version 8.0
// PTX: .target sm_90
// PTX: .visible .entry bq_gpu_quantized_matmul_quantize_pack(
// PTX: .visible .entry bq_gpu_quantized_matmul_popc_matmul(
// PTX: .maxntid 16, 16, 1
// PTX: .shared .align 8 .b8 __wg_bq_gpu_quantized_matmul_popc_matmul_0[2048];
// PTX: bar.sync 0;
// PTX: ld.shared.b64
// PTX: and.b64
// PTX: popc.b64

// The tensor-core kernel: binary MMA with AND + popcount.
// MMA: .visible .entry bq_gpu_quantized_matmul_mma_matmul(
// MMA: mma.sync.aligned.m16n8k256.row.col.s32.b1.b1.s32.and.popc

// Two planes each: four MMA chains per 256-bit step.
// SM80: .version 7.1
// SM80: .target sm_80
// SM80: .visible .entry bq_gpu_quantized_matmul_mma_matmul(
// SM80-COUNT-4: mma.sync.aligned.m16n8k256.row.col.s32.b1.b1.s32.and.popc
func.func @layer(%x: tensor<?x1024xf32>) -> tensor<?x16xf32> {
  %wb = arith.constant dense<0.5> : tensor<1024x16xf32>
  %c0 = arith.constant 0 : index
  %m = tensor.dim %x, %c0 : tensor<?x1024xf32>
  %e = tensor.empty(%m) : tensor<?x16xf32>
  %z = arith.constant 0.0 : f32
  %acc = linalg.fill ins(%z : f32) outs(%e : tensor<?x16xf32>) -> tensor<?x16xf32>
  %y = linalg.matmul ins(%x, %wb : tensor<?x1024xf32>, tensor<1024x16xf32>) outs(%acc : tensor<?x16xf32>) -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// Option values that would break the spliced upstream pipeline text are
// diagnosed, never a crash.
// RUN: not bq-opt %s --bq-gpu-pipeline="chip=sm_90}" 2>&1 | FileCheck %s --check-prefix=BADCHIP
// RUN: not bq-opt %s --bq-gpu-pipeline="format=isa}" 2>&1 | FileCheck %s --check-prefix=BADFORMAT
// RUN: not bq-opt %s --bq-gpu-pipeline="format=cubin" 2>&1 | FileCheck %s --check-prefix=BADFORMAT
// RUN: not bq-opt %s --bq-gpu-pipeline="features=+ptx80}" 2>&1 | FileCheck %s --check-prefix=BADFEATURES
// BADCHIP: error: bq-gpu-pipeline: bad chip 'sm_90}'
// BADFEATURES: error: bq-gpu-pipeline: bad features '+ptx80}'
// BADFORMAT: error: bq-gpu-pipeline: format must be isa, bin or fatbin, not '{{isa}|cubin}}'

