// REQUIRES: bq-cuda-runtime
// RUN: bq-opt %s --bq-gpu-pipeline="format=isa" | mlir-translate --mlir-to-llvmir | grep -o "@mgpu[A-Za-z0-9]*" | sort -u | sed "s/@//" > %t.isa
// RUN: bq-opt %s --bq-gpu-pipeline="format=fatbin" | mlir-translate --mlir-to-llvmir | grep -o "@mgpu[A-Za-z0-9]*" | sort -u | sed "s/@//" > %t.fatbin
// RUN: nm -D --defined-only %bq_cuda_runtime | awk '{print $3}' > %t.exported
// RUN: FileCheck %s --check-prefix=ISA < %t.isa
// RUN: FileCheck %s --check-prefix=FATBIN < %t.fatbin
// RUN: not grep -vxF -f %t.exported %t.isa %t.fatbin

// Every mgpu* function that the lowered module (and the embedded-binary
// loader of gpu-module-to-binary) calls is exported by bq's CUDA runtime
// wrappers: PTX is JIT-loaded with mgpuModuleLoadJIT, binaries with
// mgpuModuleLoad.
// ISA: mgpuLaunchKernel
// ISA: mgpuMemAlloc
// ISA: mgpuModuleLoadJIT
// FATBIN: mgpuModuleLoad{{$}}
func.func @layer(%x: tensor<?x64xf32>) -> tensor<?x8xf32> {
  %codes = arith.constant dense<1> : tensor<64x8xi8>
  %a = arith.constant dense<0.5> : tensor<f32>
  %y = bq.quantized_matmul %x, %codes, %a, %a weight_bits(1) act_bits(1)
      act_range(dynamic)
      : tensor<?x64xf32>, tensor<64x8xi8>, tensor<f32> -> tensor<?x8xf32>
  return %y : tensor<?x8xf32>
}
