// RUN: bq-opt %s --bq-quant-report -verify-diagnostics | FileCheck %s

// The report is a remark per quantized weight; the IR is unchanged.

// exact, 2 bits over 8 distinct values: 2 values per code (entropy 2 bits).
// Reconstruction -0.81 + 0.515 c leaves errors whose squares sum to 0.3865,
// against sum w^2 = 3.05: relative MSE 0.1267.
// uniform + minmax: codes [3, 1, 2, 0, 2, 2, 1, 2], populations 1 2 4 1,
// entropy 1.75 bits; errors square-sum to 0.2: relative MSE 0.0656.
// CHECK-LABEL: func @report
// CHECK-COUNT-2: bq.balanced_quantize
func.func @report() -> (tensor<8xi8>, tensor<8xi8>) {
  %w = arith.constant dense<[0.9, -0.3, 0.1, -1.2, 0.5, 0.0, -0.6, 0.3]> : tensor<8xf32>
  // expected-remark @+1 {{bq.balanced_quantize tensor<8xf32>: method=exact bits=2 granularity=tensor slices=1; populations min=2 max=2; entropy=2.000/2 bits; relative MSE=0.1267}}
  %c, %a, %b = bq.balanced_quantize %w bits(2) method(exact) scale(lsq)
      granularity(tensor) : tensor<8xf32> -> tensor<8xi8>, tensor<f32>
  // expected-remark @+1 {{bq.balanced_quantize tensor<8xf32>: method=uniform bits=2 granularity=tensor slices=1; populations min=1 max=4; entropy=1.750/2 bits; relative MSE=0.0656}}
  %c1, %a1, %b1 = bq.balanced_quantize %w bits(2) method(uniform)
      scale(minmax) granularity(tensor)
      : tensor<8xf32> -> tensor<8xi8>, tensor<f32>
  return %c, %c1 : tensor<8xi8>, tensor<8xi8>
}

// Per channel: populations over both slices; entropy averaged over slices;
// column 0 = [1, 2, 3, 4] and column 1 = [10, 40, 20, 30] are reconstructed
// with errors +-0.5 and +-5, so relative MSE = (4 * 0.25 + 4 * 25) /
// (30 + 3000) = 0.0333.
// CHECK-LABEL: func @channels
func.func @channels() -> tensor<4x2xi8> {
  %w = arith.constant dense<[[1.0, 10.0], [2.0, 40.0], [3.0, 20.0], [4.0, 30.0]]> : tensor<4x2xf32>
  // expected-remark @+1 {{method=exact bits=1 granularity=channel slices=2; populations min=2 max=2; entropy=1.000/1 bits; relative MSE=0.0333}}
  %c, %a, %b = bq.balanced_quantize %w bits(1) method(exact) scale(lsq)
      granularity(channel) axis(1)
      : tensor<4x2xf32> -> tensor<4x2xi8>, tensor<2xf32>
  return %c : tensor<4x2xi8>
}

// CHECK-LABEL: func @not_constant
func.func @not_constant(%w: tensor<4xf32>) -> tensor<4xi8> {
  // expected-remark @+1 {{the input is not a constant bq can read; nothing to report}}
  %c, %a, %b = bq.balanced_quantize %w bits(1) method(exact) scale(lsq)
      granularity(tensor) : tensor<4xf32> -> tensor<4xi8>, tensor<f32>
  return %c : tensor<4xi8>
}
