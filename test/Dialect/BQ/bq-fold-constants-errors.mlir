// RUN: bq-opt %s -split-input-file --bq-fold-constants -verify-diagnostics
// RUN: not bq-opt %s -split-input-file --bq-fold-constants --mlir-print-ir-after-failure 2>&1 | FileCheck %s

// Non-finite weights are errors that name the element; the pass fails and
// leaves the IR as it was (the good op before the bad one is not folded).

// CHECK-LABEL: func @nan
// CHECK: bq.balanced_quantize %{{.*}} bits(1)
// CHECK: bq.balanced_quantize %{{.*}} bits(2)
func.func @nan() -> (tensor<2x2xi8>, tensor<2x2xi8>) {
  %ok = arith.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %c0, %a0, %b0 = bq.balanced_quantize %ok bits(1) method(exact) scale(lsq)
      granularity(tensor) : tensor<2x2xf32> -> tensor<2x2xi8>, tensor<f32>
  %w = arith.constant dense<[[1.0, 2.0], [0x7FC00000, 4.0]]> : tensor<2x2xf32>
  // expected-error @+1 {{cannot quantize the constant input: element [1, 0] is NaN}}
  %c, %a, %b = bq.balanced_quantize %w bits(2) method(exact) scale(lsq)
      granularity(tensor) : tensor<2x2xf32> -> tensor<2x2xi8>, tensor<f32>
  return %c0, %c : tensor<2x2xi8>, tensor<2x2xi8>
}

// -----

// CHECK-LABEL: func @inf
// CHECK: bq.balanced_quantize
func.func @inf() -> tensor<3xi8> {
  %w = arith.constant dense<[1.0, 0xFF800000, 2.0]> : tensor<3xf32>
  // expected-error @+1 {{cannot quantize the constant input: element [1] is -Inf}}
  %c, %a, %b = bq.balanced_quantize %w bits(2) method(mean) scale(lsq)
      granularity(channel) axis(0) : tensor<3xf32> -> tensor<3xi8>, tensor<3xf32>
  return %c : tensor<3xi8>
}
