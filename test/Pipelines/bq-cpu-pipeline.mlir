// RUN: bq-opt %s --bq-quantize-linalg="weight-bits=1 act-bits=1" --bq-cpu-pipeline | FileCheck %s
// RUN: bq-opt %s --bq-quantize-linalg="weight-bits=1 act-bits=1" --bq-cpu-pipeline | mlir-translate --mlir-to-llvmir | llc -O3 -mcpu=sapphirerapids | FileCheck %s --check-prefix=ASM
// RUN: bq-opt %s --bq-quantize-linalg="weight-bits=1 act-bits=1" --bq-cpu-pipeline | mlir-translate --mlir-to-llvmir | llc -O3 -mcpu=x86-64-v3 | FileCheck %s --check-prefix=AVX2

// A quantized linalg model goes all the way to the LLVM dialect; the
// bit-serial kernel is a vector<8xi64> popcount, which llc turns into
// VPOPCNTQ on a CPU that has AVX512_VPOPCNTDQ, and into a byte-shuffle
// popcount on plain AVX2.
// CHECK-NOT: bq.
// CHECK-NOT: linalg.
// CHECK: llvm.func @layer
// CHECK: llvm.intr.ctpop(%{{.*}}) : (vector<8xi64>) -> vector<8xi64>
// ASM-LABEL: layer:
// ASM: vpopcntq {{.*}}zmm
// AVX2-LABEL: layer:
// AVX2: vpshufb
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
