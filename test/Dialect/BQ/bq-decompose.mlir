// RUN: bq-opt %s -split-input-file --bq-decompose | FileCheck %s

// A quantized matmul with constant weight codes becomes activation
// quantization + packing + the bit-serial matmul + the epilogue, with the
// weight planes and column sums computed at compile time.
// Codes (K = 4, N = 3) [[2, 0, 3], [3, 1, 0], [0, 3, 2], [1, 1, 2]]; the
// columns, packed as rows along K, are n0 = 2 3 0 1, n1 = 0 1 3 1,
// n2 = 3 0 2 2. Plane 0 (low bits) n0 = 0 1 0 1 -> 0b1010 = 10, n1 = 0 1 1 1
// -> 14, n2 = 1 0 0 0 -> 1; plane 1 n0 = 1 1 0 0 -> 3, n1 = 0 0 1 0 -> 4,
// n2 = 1 0 1 1 -> 13. Column sums 6, 5, 7. W2A8 over K = 4: at most
// 4 * 3 * 255 = 3060, so i32 accumulators.
// CHECK-LABEL: func @decompose
// CHECK-SAME: (%[[X:.*]]: tensor<?x4xf32>, %[[A:.*]]: tensor<3xf32>, %[[B:.*]]: tensor<3xf32>)
// CHECK: %[[CA:.*]], %[[SA:.*]], %[[OA:.*]] = bq.quantize_activations %[[X]] bits(8) range(dynamic) : tensor<?x4xf32> -> tensor<?x4xi8>
// CHECK: %[[AP:.*]] = bq.pack %[[CA]] bits(8) : tensor<?x4xi8> -> tensor<8x?x1xi64>
// CHECK-DAG: %[[WP:.*]] = arith.constant dense<{{\[\[\[}}10], [14], [1]], {{\[\[}}3], [4], [13]]]> : tensor<2x3x1xi64>
// CHECK-DAG: %[[CW:.*]] = arith.constant dense<[6, 5, 7]> : tensor<3xi32>
// CHECK: %[[P:.*]] = bq.bitserial_matmul %[[AP]], %[[WP]] k(4) : tensor<8x?x1xi64>, tensor<2x3x1xi64> -> tensor<?x3xi32>
// CHECK: %[[RA:.*]] = bq.code_sums %[[CA]] dim(1) : tensor<?x4xi8> -> tensor<?xi32>
// CHECK: %[[Y:.*]] = bq.affine_epilogue %[[P]] row_sums(%[[RA]]) col_sums(%[[CW]]) weight(%[[A]], %[[B]]) act(%[[SA]], %[[OA]]) k(4)
// CHECK: return %[[Y]]
func.func @decompose(%x: tensor<?x4xf32>, %alpha: tensor<3xf32>, %beta: tensor<3xf32>) -> tensor<?x3xf32> {
  %codes = arith.constant dense<[[2, 0, 3], [3, 1, 0], [0, 3, 2], [1, 1, 2]]> : tensor<4x3xi8>
  %y = bq.quantized_matmul %x, %codes, %alpha, %beta weight_bits(2) act_bits(8) act_range(dynamic) : tensor<?x4xf32>, tensor<4x3xi8>, tensor<3xf32> -> tensor<?x3xf32>
  return %y : tensor<?x3xf32>
}

// -----

// A static range carries over; W8A8 over K = 40000 needs i64 accumulators
// (40000 * 255 * 255 > 2^31).
// CHECK-LABEL: func @static_wide
// CHECK: bq.quantize_activations %{{.*}} bits(8) range(static) lo(-1.000000e+00) hi(1.000000e+00)
// CHECK: bq.bitserial_matmul {{.*}} k(40000) : tensor<8x2x625xi64>, tensor<8x2x625xi64> -> tensor<2x2xi64>
func.func @static_wide(%x: tensor<2x40000xf32>, %s: tensor<f32>) -> tensor<2x2xf32> {
  %codes = arith.constant dense<1> : tensor<40000x2xi8>
  %y = bq.quantized_matmul %x, %codes, %s, %s weight_bits(8) act_bits(8) act_range(static) lo(-1.0) hi(1.0) : tensor<2x40000xf32>, tensor<40000x2xi8>, tensor<f32> -> tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}

// -----

// Run-time weight codes are transposed, packed and summed at run time.
// CHECK-LABEL: func @runtime_codes
// CHECK-SAME: (%{{.*}}: tensor<2x4xf32>, %[[C:.*]]: tensor<4x3xi8>
// CHECK: %[[T:.*]] = linalg.transpose ins(%[[C]] : tensor<4x3xi8>) outs(%{{.*}} : tensor<3x4xi8>) permutation = [1, 0]
// CHECK: %[[WP:.*]] = bq.pack %[[T]] bits(1) : tensor<3x4xi8> -> tensor<1x3x1xi64>
// CHECK: %[[CW:.*]] = bq.code_sums %[[C]] dim(0) : tensor<4x3xi8> -> tensor<3xi32>
// CHECK: bq.bitserial_matmul %{{.*}}, %[[WP]]
func.func @runtime_codes(%x: tensor<2x4xf32>, %codes: tensor<4x3xi8>, %s: tensor<f32>) -> tensor<2x3xf32> {
  %y = bq.quantized_matmul %x, %codes, %s, %s weight_bits(1) act_bits(2) act_range(dynamic) : tensor<2x4xf32>, tensor<4x3xi8>, tensor<f32> -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}
