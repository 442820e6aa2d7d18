// RUN: bq-opt %s -split-input-file --bq-quantize-linalg -verify-diagnostics
// RUN: not bq-opt %s -split-input-file --bq-quantize-linalg --mlir-print-ir-after-failure 2>&1 | FileCheck %s

// A weight that is not a constant: left alone with a remark.
func.func @runtime_weight(%x: tensor<4x2xf32>, %w: tensor<2x3xf32>, %init: tensor<4x3xf32>) -> tensor<4x3xf32> {
  // expected-remark @+1 {{bq-quantize-linalg: the weight operand is not a constant; left in float}}
  %y = linalg.matmul ins(%x, %w : tensor<4x2xf32>, tensor<2x3xf32>) outs(%init : tensor<4x3xf32>) -> tensor<4x3xf32>
  return %y : tensor<4x3xf32>
}

// -----

func.func @runtime_filter(%x: tensor<1x4x4x2xf32>, %w: tensor<2x2x2x3xf32>, %init: tensor<1x3x3x3xf32>) -> tensor<1x3x3x3xf32> {
  // expected-remark @+1 {{bq-quantize-linalg: the filter is not a constant; left in float}}
  %y = linalg.conv_2d_nhwc_hwcf ins(%x, %w : tensor<1x4x4x2xf32>, tensor<2x2x2x3xf32>) outs(%init : tensor<1x3x3x3xf32>) -> tensor<1x3x3x3xf32>
  return %y : tensor<1x3x3x3xf32>
}

// -----

// f16 activations are not supported (bq's run-time quantizer is f32).
func.func @f16_activations(%x: tensor<4x2xf16>, %init: tensor<4x3xf16>) -> tensor<4x3xf16> {
  %w = arith.constant dense<1.0> : tensor<2x3xf16>
  // expected-remark @+1 {{bq-quantize-linalg: only f32 activations and results are supported; left in float}}
  %y = linalg.matmul ins(%x, %w : tensor<4x2xf16>, tensor<2x3xf16>) outs(%init : tensor<4x3xf16>) -> tensor<4x3xf16>
  return %y : tensor<4x3xf16>
}

// -----

// A NaN weight is an error; the pass fails and the IR stays as it was,
// including the good matmul before the bad one.
// CHECK-LABEL: func @nan_weight
// CHECK-COUNT-2: linalg.matmul
// CHECK-NOT: bq.quantized_matmul
func.func @nan_weight(%x: tensor<4x2xf32>, %init: tensor<4x3xf32>) -> tensor<4x3xf32> {
  %ok = arith.constant dense<[[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]> : tensor<2x3xf32>
  %y0 = linalg.matmul ins(%x, %ok : tensor<4x2xf32>, tensor<2x3xf32>) outs(%init : tensor<4x3xf32>) -> tensor<4x3xf32>
  %w = arith.constant dense<[[0.0, 1.0, 2.0], [0x7FC00000, 4.0, 5.0]]> : tensor<2x3xf32>
  // expected-error @+1 {{bq-quantize-linalg: cannot quantize the constant weight: element [1, 0] is NaN (of the weight as a 2x3 matrix)}}
  %y = linalg.matmul ins(%x, %w : tensor<4x2xf32>, tensor<2x3xf32>) outs(%y0 : tensor<4x3xf32>) -> tensor<4x3xf32>
  return %y : tensor<4x3xf32>
}

// -----

// A malformed static range attribute is an error.
func.func @bad_range(%x: tensor<4x2xf32>, %init: tensor<4x3xf32>) -> tensor<4x3xf32> {
  %w = arith.constant dense<1.0> : tensor<2x3xf32>
  // expected-error @+1 {{'bq.act_range' must be array<f32: lo, hi> with finite values}}
  %y = linalg.matmul {bq.act_range = array<f32: 1.0>} ins(%x, %w : tensor<4x2xf32>, tensor<2x3xf32>) outs(%init : tensor<4x3xf32>) -> tensor<4x3xf32>
  return %y : tensor<4x3xf32>
}

// -----

// An empty weight (K = 0) is left in float.
func.func @empty_weight(%x: tensor<4x0xf32>, %init: tensor<4x3xf32>) -> tensor<4x3xf32> {
  %w = arith.constant dense<> : tensor<0x3xf32>
  // expected-remark @+1 {{bq-quantize-linalg: the weight is empty; left in float}}
  %y = linalg.matmul ins(%x, %w : tensor<4x0xf32>, tensor<0x3xf32>) outs(%init : tensor<4x3xf32>) -> tensor<4x3xf32>
  return %y : tensor<4x3xf32>
}
