// RUN: bq-opt %s --bq-cpu-pipeline | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs | FileCheck %s
// RUN: bq-opt %s --bq-gpu-pipeline=host-emulation=true | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs | FileCheck %s
// RUN: bq-opt %s --bq-gpu-pipeline="host-emulation=true mma=b1" | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs | FileCheck %s

// W1A1 over K = 65 (a full word and one bit of the next): the activations
// are 0/1 with a static range [0, 1], so their codes are the values and the
// scale is 1; the weights are codes with alpha = 1, beta = 0. The result is
// then the AND-popcount count itself:
//   column 0 is all ones, column 1 has ones at even k (33 of 65);
//   row 0 all ones -> 65, 33; row 1 ones at even k -> 33, 33; row 2 -> 0, 0.
func.func private @printMemrefF32(memref<*xf32>)

func.func @w1a1(%x: tensor<?x65xf32>) -> tensor<?x2xf32> {
  %codes = arith.constant dense<[
      [1, 1],
      [1, 0],
      [1, 1],
      [1, 0],
      [1, 1],
      [1, 0],
      [1, 1],
      [1, 0],
      [1, 1],
      [1, 0],
      [1, 1],
      [1, 0],
      [1, 1],
      [1, 0],
      [1, 1],
      [1, 0],
      [1, 1],
      [1, 0],
      [1, 1],
      [1, 0],
      [1, 1],
      [1, 0],
      [1, 1],
      [1, 0],
      [1, 1],
      [1, 0],
      [1, 1],
      [1, 0],
      [1, 1],
      [1, 0],
      [1, 1],
      [1, 0],
      [1, 1],
      [1, 0],
      [1, 1],
      [1, 0],
      [1, 1],
      [1, 0],
      [1, 1],
      [1, 0],
      [1, 1],
      [1, 0],
      [1, 1],
      [1, 0],
      [1, 1],
      [1, 0],
      [1, 1],
      [1, 0],
      [1, 1],
      [1, 0],
      [1, 1],
      [1, 0],
      [1, 1],
      [1, 0],
      [1, 1],
      [1, 0],
      [1, 1],
      [1, 0],
      [1, 1],
      [1, 0],
      [1, 1],
      [1, 0],
      [1, 1],
      [1, 0],
      [1, 1]]> : tensor<65x2xi8>
  %one = arith.constant dense<1.0> : tensor<f32>
  %zero = arith.constant dense<0.0> : tensor<f32>
  %y = bq.quantized_matmul %x, %codes, %one, %zero weight_bits(1) act_bits(1)
      act_range(static) lo(0.0) hi(1.0)
      : tensor<?x65xf32>, tensor<65x2xi8>, tensor<f32> -> tensor<?x2xf32>
  return %y : tensor<?x2xf32>
}

func.func @main() {
  %x = arith.constant dense<[
      [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
      [1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0],
      [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]]> : tensor<3x65xf32>
  %xd = tensor.cast %x : tensor<3x65xf32> to tensor<?x65xf32>
  %y = call @w1a1(%xd) : (tensor<?x65xf32>) -> tensor<?x2xf32>
  %b = bufferization.to_buffer %y : tensor<?x2xf32> to memref<?x2xf32>
  %u = memref.cast %b : memref<?x2xf32> to memref<*xf32>
  // CHECK: rank = 2 offset = 0 sizes = [3, 2]
  // CHECK-NEXT: {{\[\[}}65, 33],
  // CHECK-NEXT: [33, 33],
  // CHECK-NEXT: [0, 0]]
  call @printMemrefF32(%u) : (memref<*xf32>) -> ()
  return
}
