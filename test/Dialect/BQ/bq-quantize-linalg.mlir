// RUN: bq-opt %s -split-input-file --bq-quantize-linalg | FileCheck %s
// RUN: bq-opt %s -split-input-file --bq-quantize-linalg="weight-bits=3 act-bits=4 method=mean scale=max granularity=channel" | FileCheck %s --check-prefix=OPTS

// linalg.matmul with a constant weight and dynamic M becomes
// bq.quantized_matmul; the float weight and the zero fill disappear.
// Exact 2-bit codes by rank among the 12 values (code = rank / 3):
// -0.7 -0.4 -0.2 | -0.15 0.0 0.05 | 0.1 0.2 0.25 | 0.3 0.5 0.8.
// CHECK-LABEL: func @matmul
// CHECK-SAME: (%[[X:.*]]: tensor<?x4xf32>)
// CHECK-NOT: linalg.fill
// CHECK-DAG: %[[C:.*]] = arith.constant dense<{{\[\[}}2, 0, 3], [3, 1, 0], [0, 3, 2], [1, 1, 2]]> : tensor<4x3xi8>
// CHECK-DAG: %[[A:.*]] = arith.constant dense<{{.*}}> : tensor<f32>
// CHECK-DAG: %[[B:.*]] = arith.constant dense<{{.*}}> : tensor<f32>
// CHECK: %[[Y:.*]] = bq.quantized_matmul %[[X]], %[[C]], %[[A]], %[[B]] weight_bits(2) act_bits(8) act_range(dynamic) : tensor<?x4xf32>, tensor<4x3xi8>, tensor<f32> -> tensor<?x3xf32>
// CHECK-NEXT: return %[[Y]]
// OPTS-LABEL: func @matmul
// OPTS: bq.quantized_matmul {{.*}} weight_bits(3) act_bits(4) act_range(dynamic) : tensor<?x4xf32>, tensor<4x3xi8>, tensor<3xf32> -> tensor<?x3xf32>
func.func @matmul(%x: tensor<?x4xf32>) -> tensor<?x3xf32> {
  %w = arith.constant dense<[[0.1, -0.2, 0.3], [0.5, 0.0, -0.4], [-0.7, 0.8, 0.2], [0.05, -0.15, 0.25]]> : tensor<4x3xf32>
  %c0 = arith.constant 0 : index
  %m = tensor.dim %x, %c0 : tensor<?x4xf32>
  %e = tensor.empty(%m) : tensor<?x3xf32>
  %z = arith.constant 0.0 : f32
  %acc = linalg.fill ins(%z : f32) outs(%e : tensor<?x3xf32>) -> tensor<?x3xf32>
  %y = linalg.matmul ins(%x, %w : tensor<?x4xf32>, tensor<4x3xf32>) outs(%acc : tensor<?x3xf32>) -> tensor<?x3xf32>
  return %y : tensor<?x3xf32>
}

// -----

// A non-zero init (a bias) is added back; a static range comes from the
// op's bq.act_range attribute; f16 weights are read too.
// CHECK-LABEL: func @bias_static_f16
// CHECK-SAME: (%[[X:.*]]: tensor<2x4xf32>, %[[BIAS:.*]]: tensor<2x3xf32>)
// CHECK: %[[Q:.*]] = bq.quantized_matmul %[[X]], {{.*}} act_range(static) lo(-1.000000e+00) hi(2.000000e+00)
// CHECK: %[[E:.*]] = tensor.empty() : tensor<2x3xf32>
// CHECK: %[[S:.*]] = linalg.add ins(%[[Q]], %[[BIAS]] : tensor<2x3xf32>, tensor<2x3xf32>) outs(%[[E]] : tensor<2x3xf32>)
// CHECK: return %[[S]]
func.func @bias_static_f16(%x: tensor<2x4xf32>, %bias: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %w = arith.constant dense<[[0.1, -0.2, 0.3], [0.5, 0.0, -0.4], [-0.7, 0.8, 0.2], [0.05, -0.15, 0.25]]> : tensor<4x3xf16>
  %y = linalg.matmul {bq.act_range = array<f32: -1.0, 2.0>} ins(%x, %w : tensor<2x4xf32>, tensor<4x3xf16>) outs(%bias : tensor<2x3xf32>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

// Shared weights (a broadcast constant): the batch folds into M.
// CHECK-LABEL: func @batch_shared
// CHECK: %[[X2:.*]] = tensor.collapse_shape %{{.*}} {{\[\[}}0, 1], [2]] : tensor<?x3x4xf32> into tensor<?x4xf32>
// CHECK: %[[Q:.*]] = bq.quantized_matmul %[[X2]], {{.*}} : tensor<?x4xf32>, tensor<4x2xi8>, tensor<f32> -> tensor<?x2xf32>
// CHECK: tensor.expand_shape %[[Q]] {{\[\[}}0, 1], [2]] output_shape [%{{.*}}, 3, 2] : tensor<?x2xf32> into tensor<?x3x2xf32>
// CHECK-NOT: linalg.batch_matmul
func.func @batch_shared(%x: tensor<?x3x4xf32>, %init: tensor<?x3x2xf32>) -> tensor<?x3x2xf32> {
  %w = arith.constant dense<[[0.1, -0.2], [0.5, 0.0], [-0.7, 0.8], [0.05, -0.15]]> : tensor<4x2xf32>
  %c0 = arith.constant 0 : index
  %b = tensor.dim %x, %c0 : tensor<?x3x4xf32>
  %e = tensor.empty(%b) : tensor<?x4x2xf32>
  %wb = linalg.broadcast ins(%w : tensor<4x2xf32>) outs(%e : tensor<?x4x2xf32>) dimensions = [0]
  %z = arith.constant 0.0 : f32
  %acc = linalg.fill ins(%z : f32) outs(%init : tensor<?x3x2xf32>) -> tensor<?x3x2xf32>
  %y = linalg.batch_matmul ins(%x, %wb : tensor<?x3x4xf32>, tensor<?x4x2xf32>) outs(%acc : tensor<?x3x2xf32>) -> tensor<?x3x2xf32>
  return %y : tensor<?x3x2xf32>
}

// -----

// Per-batch weights: one quantized matmul per batch, each with its own
// codes: batch 0 = 0..7 and batch 1 = 8..15 both rank to 0 0 1 1 2 2 3 3.
// CHECK-LABEL: func @batch_per_weights
// CHECK: %[[S0:.*]] = tensor.extract_slice %{{.*}}[0, 0, 0] [1, 3, 4] [1, 1, 1] : tensor<2x3x4xf32> to tensor<3x4xf32>
// CHECK: %[[C0:.*]] = arith.constant dense<{{\[\[}}0, 0], [1, 1], [2, 2], [3, 3]]> : tensor<4x2xi8>
// CHECK: %[[Q0:.*]] = bq.quantized_matmul %[[S0]], %[[C0]]
// CHECK: tensor.insert_slice %[[Q0]] into %{{.*}}[0, 0, 0] [1, 3, 2] [1, 1, 1]
// CHECK: %[[S1:.*]] = tensor.extract_slice %{{.*}}[1, 0, 0] [1, 3, 4] [1, 1, 1]
// CHECK: %[[C1:.*]] = arith.constant dense<{{\[\[}}0, 0], [1, 1], [2, 2], [3, 3]]> : tensor<4x2xi8>
// CHECK: %[[Q1:.*]] = bq.quantized_matmul %[[S1]], %[[C1]]
// CHECK: tensor.insert_slice %[[Q1]] into %{{.*}}[1, 0, 0] [1, 3, 2] [1, 1, 1]
func.func @batch_per_weights(%x: tensor<2x3x4xf32>, %init: tensor<2x3x2xf32>) -> tensor<2x3x2xf32> {
  %w = arith.constant dense<[[[0.0, 1.0], [2.0, 3.0], [4.0, 5.0], [6.0, 7.0]], [[8.0, 9.0], [10.0, 11.0], [12.0, 13.0], [14.0, 15.0]]]> : tensor<2x4x2xf32>
  %z = arith.constant 0.0 : f32
  %acc = linalg.fill ins(%z : f32) outs(%init : tensor<2x3x2xf32>) -> tensor<2x3x2xf32>
  %y = linalg.batch_matmul ins(%x, %w : tensor<2x3x4xf32>, tensor<2x4x2xf32>) outs(%acc : tensor<2x3x2xf32>) -> tensor<2x3x2xf32>
  return %y : tensor<2x3x2xf32>
}

// -----

// matvec: the constant matrix is the weight, transposed at compile time to
// K x N; the vector becomes a 1 x K activation. A = [[0, 1], [2, 3], [4, 5]]
// (N = 3, K = 2) transposed is [[0, 2, 4], [1, 3, 5]]. The exact tree over
// 0..5: root T = sorted[3] = 3; {0, 1, 2} splits at 1 -> 0 | 1 2; {3, 4, 5}
// splits at 4 -> 3 | 4 5. Codes: 0->0, 1->1, 2->1, 3->2, 4->3, 5->3.
// CHECK-LABEL: func @matvec
// CHECK: %[[X:.*]] = tensor.expand_shape %{{.*}} {{\[\[}}0, 1]] output_shape [1, 2] : tensor<2xf32> into tensor<1x2xf32>
// CHECK: %[[C:.*]] = arith.constant dense<{{\[\[}}0, 1, 3], [1, 2, 3]]> : tensor<2x3xi8>
// CHECK: %[[Q:.*]] = bq.quantized_matmul %[[X]], %[[C]], {{.*}} -> tensor<1x3xf32>
// CHECK: tensor.collapse_shape %[[Q]] {{\[\[}}0, 1]] : tensor<1x3xf32> into tensor<3xf32>
func.func @matvec(%x: tensor<2xf32>, %init: tensor<3xf32>) -> tensor<3xf32> {
  %w = arith.constant dense<[[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]]> : tensor<3x2xf32>
  %z = arith.constant 0.0 : f32
  %acc = linalg.fill ins(%z : f32) outs(%init : tensor<3xf32>) -> tensor<3xf32>
  %y = linalg.matvec ins(%w, %x : tensor<3x2xf32>, tensor<2xf32>) outs(%acc : tensor<3xf32>) -> tensor<3xf32>
  return %y : tensor<3xf32>
}

// -----

// vecmat: the weight is already K x N.
// CHECK-LABEL: func @vecmat
// CHECK: %[[X:.*]] = tensor.expand_shape %{{.*}} : tensor<2xf32> into tensor<1x2xf32>
// CHECK: %[[Q:.*]] = bq.quantized_matmul %[[X]], {{.*}} : tensor<1x2xf32>, tensor<2x3xi8>, tensor<f32> -> tensor<1x3xf32>
// CHECK: tensor.collapse_shape %[[Q]]
func.func @vecmat(%x: tensor<2xf32>, %init: tensor<3xf32>) -> tensor<3xf32> {
  %w = arith.constant dense<[[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]> : tensor<2x3xf32>
  %z = arith.constant 0.0 : f32
  %acc = linalg.fill ins(%z : f32) outs(%init : tensor<3xf32>) -> tensor<3xf32>
  %y = linalg.vecmat ins(%x, %w : tensor<2xf32>, tensor<2x3xf32>) outs(%acc : tensor<3xf32>) -> tensor<3xf32>
  return %y : tensor<3xf32>
}

// -----

// conv_2d_nhwc_hwcf through im2col: patches [N, Ho, Wo, Kh, Kw, C] gathered
// with strides 2 and dilations 1, collapsed to [N*Ho*Wo, Kh*Kw*C].
// CHECK-DAG: #[[IN:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1 * 2 + d3, d2 * 2 + d4, d5)>
// CHECK-LABEL: func @conv_nhwc
// CHECK: %[[P:.*]] = linalg.generic {indexing_maps = [#[[IN]], #{{.*}}]
// CHECK-SAME: outs(%{{.*}} : tensor<?x2x2x2x2x2xf32>)
// CHECK: %[[L:.*]] = tensor.collapse_shape %[[P]] {{\[\[}}0, 1, 2], [3, 4, 5]] : tensor<?x2x2x2x2x2xf32> into tensor<?x8xf32>
// CHECK: %[[Q:.*]] = bq.quantized_matmul %[[L]], {{.*}} : tensor<?x8xf32>, tensor<8x3xi8>, tensor<f32> -> tensor<?x3xf32>
// CHECK: tensor.expand_shape %[[Q]] {{\[\[}}0, 1, 2], [3]] output_shape [%{{.*}}, 2, 2, 3] : tensor<?x3xf32> into tensor<?x2x2x3xf32>
func.func @conv_nhwc(%x: tensor<?x5x5x2xf32>, %init: tensor<?x2x2x3xf32>) -> tensor<?x2x2x3xf32> {
  %w = arith.constant dense<[[[[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]], [[0.7, 0.8, 0.9], [1.0, 1.1, 1.2]]], [[[1.3, 1.4, 1.5], [1.6, 1.7, 1.8]], [[1.9, 2.0, 2.1], [2.2, 2.3, 2.4]]]]> : tensor<2x2x2x3xf32>
  %z = arith.constant 0.0 : f32
  %acc = linalg.fill ins(%z : f32) outs(%init : tensor<?x2x2x3xf32>) -> tensor<?x2x2x3xf32>
  %y = linalg.conv_2d_nhwc_hwcf {strides = dense<2> : tensor<2xi64>, dilations = dense<1> : tensor<2xi64>} ins(%x, %w : tensor<?x5x5x2xf32>, tensor<2x2x2x3xf32>) outs(%acc : tensor<?x2x2x3xf32>) -> tensor<?x2x2x3xf32>
  return %y : tensor<?x2x2x3xf32>
}

// -----

// conv_2d_nchw_fchw: patches [N, Ho, Wo, C, Kh, Kw] (dilation 2), the
// result transposed back to NCHW.
// CHECK-DAG: #[[IN:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d3, d1 + d4 * 2, d2 + d5 * 2)>
// CHECK-LABEL: func @conv_nchw
// CHECK: linalg.generic {indexing_maps = [#[[IN]], #{{.*}}]
// CHECK: %[[Q:.*]] = bq.quantized_matmul {{.*}} : tensor<9x8xf32>, tensor<8x3xi8>, tensor<f32> -> tensor<9x3xf32>
// CHECK: %[[E:.*]] = tensor.expand_shape %[[Q]] {{.*}} into tensor<1x3x3x3xf32>
// CHECK: linalg.transpose ins(%[[E]] : tensor<1x3x3x3xf32>) outs(%{{.*}} : tensor<1x3x3x3xf32>) permutation = [0, 3, 1, 2]
func.func @conv_nchw(%x: tensor<1x2x5x5xf32>, %init: tensor<1x3x3x3xf32>) -> tensor<1x3x3x3xf32> {
  %w = arith.constant dense<[[[[0.1, 0.2], [0.3, 0.4]], [[0.5, 0.6], [0.7, 0.8]]], [[[0.9, 1.0], [1.1, 1.2]], [[1.3, 1.4], [1.5, 1.6]]], [[[1.7, 1.8], [1.9, 2.0]], [[2.1, 2.2], [2.3, 2.4]]]]> : tensor<3x2x2x2xf32>
  %z = arith.constant 0.0 : f32
  %acc = linalg.fill ins(%z : f32) outs(%init : tensor<1x3x3x3xf32>) -> tensor<1x3x3x3xf32>
  %y = linalg.conv_2d_nchw_fchw {strides = dense<1> : tensor<2xi64>, dilations = dense<2> : tensor<2xi64>} ins(%x, %w : tensor<1x2x5x5xf32>, tensor<3x2x2x2xf32>) outs(%acc : tensor<1x3x3x3xf32>) -> tensor<1x3x3x3xf32>
  return %y : tensor<1x3x3x3xf32>
}

// -----

// A linalg.generic matmul with the weight indexed (n, k): transposed at
// compile time. W = [[0, 1], [2, 3], [4, 5]] as (n, k) -> K x N values
// [[0, 2, 4], [1, 3, 5]] -> codes [[0, 1, 3], [1, 2, 3]] (as for @matvec).
#mk = affine_map<(m, n, k) -> (m, k)>
#nk = affine_map<(m, n, k) -> (n, k)>
#mn = affine_map<(m, n, k) -> (m, n)>
// CHECK-LABEL: func @generic_nk
// CHECK: %[[C:.*]] = arith.constant dense<{{\[\[}}0, 1, 3], [1, 2, 3]]> : tensor<2x3xi8>
// CHECK: bq.quantized_matmul %{{.*}}, %[[C]]
// CHECK-NOT: linalg.generic
func.func @generic_nk(%x: tensor<?x2xf32>, %init: tensor<?x3xf32>) -> tensor<?x3xf32> {
  %w = arith.constant dense<[[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]]> : tensor<3x2xf32>
  %z = arith.constant 0.0 : f32
  %acc = linalg.fill ins(%z : f32) outs(%init : tensor<?x3xf32>) -> tensor<?x3xf32>
  %y = linalg.generic {indexing_maps = [#mk, #nk, #mn], iterator_types = ["parallel", "parallel", "reduction"]} ins(%x, %w : tensor<?x2xf32>, tensor<3x2xf32>) outs(%acc : tensor<?x3xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %c, %p : f32
    linalg.yield %s : f32
  } -> tensor<?x3xf32>
  return %y : tensor<?x3xf32>
}

// -----

// A weight behind a linalg.transpose of a constant is read through it.
// CHECK-LABEL: func @transposed_constant
// CHECK-NOT: linalg.transpose
// CHECK: arith.constant dense<{{\[\[}}0, 1, 3], [1, 2, 3]]> : tensor<2x3xi8>
// CHECK: bq.quantized_matmul
func.func @transposed_constant(%x: tensor<4x2xf32>, %init: tensor<4x3xf32>) -> tensor<4x3xf32> {
  %w = arith.constant dense<[[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]]> : tensor<3x2xf32>
  %e = tensor.empty() : tensor<2x3xf32>
  %wt = linalg.transpose ins(%w : tensor<3x2xf32>) outs(%e : tensor<2x3xf32>) permutation = [1, 0]
  %z = arith.constant 0.0 : f32
  %acc = linalg.fill ins(%z : f32) outs(%init : tensor<4x3xf32>) -> tensor<4x3xf32>
  %y = linalg.matmul ins(%x, %wt : tensor<4x2xf32>, tensor<2x3xf32>) outs(%acc : tensor<4x3xf32>) -> tensor<4x3xf32>
  return %y : tensor<4x3xf32>
}

// -----

// Elementwise ops around the matmul are left as they are.
// CHECK-LABEL: func @mlp_layer
// CHECK: bq.quantized_matmul
// CHECK: linalg.add
// CHECK: linalg.max
func.func @mlp_layer(%x: tensor<4x2xf32>, %bias: tensor<4x3xf32>, %init: tensor<4x3xf32>) -> tensor<4x3xf32> {
  %w = arith.constant dense<[[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]> : tensor<2x3xf32>
  %z = arith.constant 0.0 : f32
  %acc = linalg.fill ins(%z : f32) outs(%init : tensor<4x3xf32>) -> tensor<4x3xf32>
  %y = linalg.matmul ins(%x, %w : tensor<4x2xf32>, tensor<2x3xf32>) outs(%acc : tensor<4x3xf32>) -> tensor<4x3xf32>
  %b = linalg.add ins(%y, %bias : tensor<4x3xf32>, tensor<4x3xf32>) outs(%init : tensor<4x3xf32>) -> tensor<4x3xf32>
  %zeros = linalg.fill ins(%z : f32) outs(%init : tensor<4x3xf32>) -> tensor<4x3xf32>
  %r = linalg.max ins(%b, %zeros : tensor<4x3xf32>, tensor<4x3xf32>) outs(%init : tensor<4x3xf32>) -> tensor<4x3xf32>
  return %r : tensor<4x3xf32>
}
