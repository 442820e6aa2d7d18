// RUN: bq-opt %s -split-input-file --bq-fold-constants | FileCheck %s
// RUN: bq-opt %s -split-input-file --bq-fold-constants="resource-threshold=4" | FileCheck %s --check-prefix=RES

// Values and their ranks: 0.9:7 -0.3:2 0.1:4 -1.2:0 0.5:6 0.0:3 -0.6:1 0.3:5.
// exact, 2 bits, 8 distinct values: code = floor(rank * 4 / 8).
// lsq: code means -0.9, -0.15, 0.2, 0.7 (two values each), mean(w) = -0.0375,
// alpha = sum (c - 1.5)(m_c - mean) / sum (c - 1.5)^2 = 2.575 / 5 = 0.515,
// beta = -0.0375 - 1.5 * 0.515 = -0.81.
// CHECK-LABEL: func @exact_tensor
// CHECK-NOT: bq.balanced_quantize
// CHECK-DAG: %[[C:.*]] = arith.constant dense<[3, 1, 2, 0, 3, 1, 0, 2]> : tensor<8xi8>
// CHECK-DAG: %[[A:.*]] = arith.constant dense<5.150000e-01> : tensor<f32>
// CHECK-DAG: %[[B:.*]] = arith.constant dense<-8.100000e-01> : tensor<f32>
// CHECK: return %[[C]], %[[A]], %[[B]]
// RES-LABEL: func @exact_tensor
// RES: arith.constant dense_resource<bq_codes_0> : tensor<8xi8>
func.func @exact_tensor() -> (tensor<8xi8>, tensor<f32>, tensor<f32>) {
  %w = arith.constant dense<[0.9, -0.3, 0.1, -1.2, 0.5, 0.0, -0.6, 0.3]> : tensor<8xf32>
  %c, %a, %b = bq.balanced_quantize %w bits(2) method(exact) scale(lsq)
      granularity(tensor) : tensor<8xf32> -> tensor<8xi8>, tensor<f32>
  return %c, %a, %b : tensor<8xi8>, tensor<f32>, tensor<f32>
}

// -----

// uniform, 2 bits: (w + 1.2) / 2.1 * 3 = 3, 1.29, 1.86, 0, 2.43, 1.71, 0.86,
// 2.14, rounded to nearest. minmax: alpha = 2.1 / 3 = 0.7, beta = -1.2.
// CHECK-LABEL: func @uniform_minmax
// CHECK-DAG: arith.constant dense<[3, 1, 2, 0, 2, 2, 1, 2]> : tensor<8xi8>
// CHECK-DAG: arith.constant dense<0.699999988> : tensor<f32>
// CHECK-DAG: arith.constant dense<-1.200000e+00> : tensor<f32>
func.func @uniform_minmax() -> (tensor<8xi8>, tensor<f32>, tensor<f32>) {
  %w = arith.constant dense<[0.9, -0.3, 0.1, -1.2, 0.5, 0.0, -0.6, 0.3]> : tensor<8xf32>
  %c, %a, %b = bq.balanced_quantize %w bits(2) method(uniform) scale(minmax)
      granularity(tensor) : tensor<8xf32> -> tensor<8xi8>, tensor<f32>
  return %c, %a, %b : tensor<8xi8>, tensor<f32>, tensor<f32>
}

// -----

// mean, 1 bit: mean(w) = -0.0375; values >= it get code 1.
// max: M = 1.2, alpha = 2M / 1 = 2.4, beta = -1.2.
// CHECK-LABEL: func @mean_max
// CHECK-DAG: arith.constant dense<[1, 0, 1, 0, 1, 1, 0, 1]> : tensor<8xi8>
// CHECK-DAG: arith.constant dense<2.400000e+00> : tensor<f32>
// CHECK-DAG: arith.constant dense<-1.200000e+00> : tensor<f32>
func.func @mean_max() -> (tensor<8xi8>, tensor<f32>, tensor<f32>) {
  %w = arith.constant dense<[0.9, -0.3, 0.1, -1.2, 0.5, 0.0, -0.6, 0.3]> : tensor<8xf32>
  %c, %a, %b = bq.balanced_quantize %w bits(1) method(mean) scale(max)
      granularity(tensor) : tensor<8xf32> -> tensor<8xi8>, tensor<f32>
  return %c, %a, %b : tensor<8xi8>, tensor<f32>, tensor<f32>
}

// -----

// Per channel along axis 1 (the N of a KxN weight), exact, 1 bit.
// Column 0 = [1, 2, 3, 4]: T = sorted[2] = 3 -> codes 0 0 1 1;
//   lsq: code means 1.5 and 3.5 -> alpha 2, beta 1.5.
// Column 1 = [10, 40, 20, 30]: T = 30 -> codes 0 1 0 1;
//   code means 15 and 35 -> alpha 20, beta 15.
// The users fold too: column sums [2, 2]; planes of the 4 rows of 2 codes
// (bit k of word 0 is code k): 0b00, 0b10, 0b01, 0b11.
// CHECK-LABEL: func @channel_and_users
// CHECK-DAG: %[[P:.*]] = arith.constant dense<{{\[\[\[}}0], [2], [1], [3]]]> : tensor<1x4x1xi64>
// CHECK-DAG: %[[S:.*]] = arith.constant dense<2> : tensor<2xi32>
// CHECK-DAG: %[[C:.*]] = arith.constant dense<{{\[\[}}0, 0], [0, 1], [1, 0], [1, 1]]> : tensor<4x2xi8>
// CHECK-DAG: %[[A:.*]] = arith.constant dense<[2.000000e+00, 2.000000e+01]> : tensor<2xf32>
// CHECK-DAG: %[[B:.*]] = arith.constant dense<[1.500000e+00, 1.500000e+01]> : tensor<2xf32>
// CHECK-NOT: bq.
// CHECK: return %[[C]], %[[A]], %[[B]], %[[P]], %[[S]]
func.func @channel_and_users() -> (tensor<4x2xi8>, tensor<2xf32>, tensor<2xf32>,
                                   tensor<1x4x1xi64>, tensor<2xi32>) {
  %w = arith.constant dense<[[1.0, 10.0], [2.0, 40.0], [3.0, 20.0], [4.0, 30.0]]> : tensor<4x2xf32>
  %c, %a, %b = bq.balanced_quantize %w bits(1) method(exact) scale(lsq)
      granularity(channel) axis(1)
      : tensor<4x2xf32> -> tensor<4x2xi8>, tensor<2xf32>
  %p = bq.pack %c bits(1) : tensor<4x2xi8> -> tensor<1x4x1xi64>
  %s = bq.code_sums %c dim(0) : tensor<4x2xi8> -> tensor<2xi32>
  return %c, %a, %b, %p, %s : tensor<4x2xi8>, tensor<2xf32>, tensor<2xf32>,
                              tensor<1x4x1xi64>, tensor<2xi32>
}

// -----

// f16 weights are read too: [1, 2, 3, 4] exact 1 bit -> 0 0 1 1.
// CHECK-LABEL: func @f16_weights
// CHECK: arith.constant dense<[0, 0, 1, 1]> : tensor<4xi8>
func.func @f16_weights() -> tensor<4xi8> {
  %w = arith.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf16>
  %c, %a, %b = bq.balanced_quantize %w bits(1) method(exact) scale(lsq)
      granularity(tensor) : tensor<4xf16> -> tensor<4xi8>, tensor<f32>
  return %c : tensor<4xi8>
}

// -----

// dense_resource weights: the blob holds f32 [1, 2, 3, 4] after its 4-byte
// alignment header -> 0 0 1 1.
// CHECK-LABEL: func @resource_weights
// CHECK: arith.constant dense<[0, 0, 1, 1]> : tensor<4xi8>
// RES-LABEL: func @resource_weights
// RES: arith.constant dense_resource<bq_codes_{{[0-9]+}}> : tensor<4xi8>
// RES: bq_codes_{{[0-9]+}}: "0x0100000000000101"
func.func @resource_weights() -> tensor<4xi8> {
  %w = arith.constant dense_resource<weights> : tensor<4xf32>
  %c, %a, %b = bq.balanced_quantize %w bits(1) method(exact) scale(lsq)
      granularity(tensor) : tensor<4xf32> -> tensor<4xi8>, tensor<f32>
  return %c : tensor<4xi8>
}
{-#
  dialect_resources: {
    builtin: {
      weights: "0x040000000000803F000000400000404000008040"
    }
  }
#-}

// -----

// A weight that is not a constant is left alone.
// CHECK-LABEL: func @not_constant
// CHECK: bq.balanced_quantize
func.func @not_constant(%w: tensor<4xf32>) -> tensor<4xi8> {
  %c, %a, %b = bq.balanced_quantize %w bits(1) method(exact) scale(lsq)
      granularity(tensor) : tensor<4xf32> -> tensor<4xi8>, tensor<f32>
  return %c : tensor<4xi8>
}

// -----

// An empty constant folds to empty codes with alpha = beta = 0.
// CHECK-LABEL: func @empty
// CHECK-DAG: arith.constant dense<> : tensor<0x4xi8>
// CHECK-DAG: arith.constant dense<0.000000e+00> : tensor<f32>
func.func @empty() -> (tensor<0x4xi8>, tensor<f32>) {
  %w = arith.constant dense<> : tensor<0x4xf32>
  %c, %a, %b = bq.balanced_quantize %w bits(2) method(exact) scale(lsq)
      granularity(tensor) : tensor<0x4xf32> -> tensor<0x4xi8>, tensor<f32>
  return %c, %a : tensor<0x4xi8>, tensor<f32>
}
