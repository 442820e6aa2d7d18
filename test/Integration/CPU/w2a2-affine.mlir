// RUN: bq-opt %s --bq-cpu-pipeline | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs | FileCheck %s
// RUN: bq-opt %s --bq-gpu-pipeline=host-emulation=true | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs | FileCheck %s
// RUN: bq-opt %s --bq-gpu-pipeline="host-emulation=true mma=b1" | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs | FileCheck %s
// RUN: bq-opt %s --bq-lower-to-reference --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" --convert-linalg-to-loops --convert-scf-to-cf --expand-strided-metadata --lower-affine --convert-math-to-llvm --convert-to-llvm --reconcile-unrealized-casts | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs | FileCheck %s

// W2A2 with every term of the epilogue non-zero. Activations with a static
// range [-1, 2]: s = 3 / 3 = 1, codes = x + 1, values exact.
// Weight codes [1, 2, 3, 0] with alpha = 0.5, beta = -1: values
// [-0.5, 0, 0.5, -1].
//   row 0, x = [-1, 0, 1, 2]: 0.5 + 0 + 0.5 - 2 = -1
//   row 1, x = [2, 2, 2, 2]: 2 * (-0.5 + 0 + 0.5 - 1) = -2
// Both the bit-serial pipeline and the float reference print the same.
func.func private @printMemrefF32(memref<*xf32>)

func.func @w2a2(%x: tensor<?x4xf32>) -> tensor<?x1xf32> {
  %codes = arith.constant dense<[[1], [2], [3], [0]]> : tensor<4x1xi8>
  %alpha = arith.constant dense<0.5> : tensor<1xf32>
  %beta = arith.constant dense<-1.0> : tensor<1xf32>
  %y = bq.quantized_matmul %x, %codes, %alpha, %beta weight_bits(2)
      act_bits(2) act_range(static) lo(-1.0) hi(2.0)
      : tensor<?x4xf32>, tensor<4x1xi8>, tensor<1xf32> -> tensor<?x1xf32>
  return %y : tensor<?x1xf32>
}

func.func @main() {
  %x = arith.constant dense<[[-1.0, 0.0, 1.0, 2.0], [2.0, 2.0, 2.0, 2.0]]> : tensor<2x4xf32>
  %xd = tensor.cast %x : tensor<2x4xf32> to tensor<?x4xf32>
  %y = call @w2a2(%xd) : (tensor<?x4xf32>) -> tensor<?x1xf32>
  %b = bufferization.to_buffer %y : tensor<?x1xf32> to memref<?x1xf32>
  %u = memref.cast %b : memref<?x1xf32> to memref<*xf32>
  // CHECK: rank = 2 offset = 0 sizes = [2, 1]
  // CHECK-NEXT: {{\[\[}}-1],
  // CHECK-NEXT: [-2]]
  call @printMemrefF32(%u) : (memref<*xf32>) -> ()
  return
}
