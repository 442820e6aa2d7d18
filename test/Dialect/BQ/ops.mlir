// RUN: bq-opt %s | bq-opt | FileCheck %s
// RUN: bq-opt %s --mlir-print-op-generic | bq-opt | FileCheck %s

// Every bq op survives a print/parse round trip, in custom and generic form.

// CHECK-LABEL: func @quantizers
func.func @quantizers(%w: tensor<64x32xf32>, %h: tensor<8x4xf16>,
                      %x: tensor<?x64xf32>) {
  // CHECK: bq.balanced_quantize %{{.*}} bits(2) method(exact) scale(lsq) granularity(channel) axis(1) : tensor<64x32xf32> -> tensor<64x32xi8>, tensor<32xf32>
  %c0, %a0, %b0 = bq.balanced_quantize %w bits(2) method(exact) scale(lsq)
      granularity(channel) axis(1)
      : tensor<64x32xf32> -> tensor<64x32xi8>, tensor<32xf32>
  // CHECK: bq.balanced_quantize %{{.*}} bits(1) method(mean) scale(max) granularity(tensor) : tensor<8x4xf16> -> tensor<8x4xi8>, tensor<f32>
  %c1, %a1, %b1 = bq.balanced_quantize %h bits(1) method(mean) scale(max)
      granularity(tensor) : tensor<8x4xf16> -> tensor<8x4xi8>, tensor<f32>
  // CHECK: bq.balanced_quantize %{{.*}} bits(8) method(uniform) scale(minmax) granularity(channel) axis(0) : tensor<64x32xf32> -> tensor<64x32xi8>, tensor<64xf32>
  %c2, %a2, %b2 = bq.balanced_quantize %w bits(8) method(uniform)
      scale(minmax) granularity(channel) axis(0)
      : tensor<64x32xf32> -> tensor<64x32xi8>, tensor<64xf32>
  // CHECK: bq.quantize_activations %{{.*}} bits(8) range(dynamic) : tensor<?x64xf32> -> tensor<?x64xi8>
  %q0, %s0, %o0 = bq.quantize_activations %x bits(8) range(dynamic)
      : tensor<?x64xf32> -> tensor<?x64xi8>
  // CHECK: bq.quantize_activations %{{.*}} bits(2) range(static) lo(-1.000000e+00) hi(2.500000e+00) : tensor<?x64xf32> -> tensor<?x64xi8>
  %q1, %s1, %o1 = bq.quantize_activations %x bits(2) range(static) lo(-1.0)
      hi(2.5) : tensor<?x64xf32> -> tensor<?x64xi8>
  return
}

// CHECK-LABEL: func @matmuls
func.func @matmuls(%x: tensor<?x64xf32>, %codes: tensor<64x32xi8>,
                   %alpha: tensor<32xf32>, %beta: tensor<32xf32>,
                   %s: tensor<f32>) -> tensor<?x32xf32> {
  // CHECK: bq.quantized_matmul %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} weight_bits(2) act_bits(8) act_range(dynamic) : tensor<?x64xf32>, tensor<64x32xi8>, tensor<32xf32> -> tensor<?x32xf32>
  %y = bq.quantized_matmul %x, %codes, %alpha, %beta weight_bits(2)
      act_bits(8) act_range(dynamic)
      : tensor<?x64xf32>, tensor<64x32xi8>, tensor<32xf32> -> tensor<?x32xf32>
  // CHECK: bq.quantized_matmul {{.*}} weight_bits(1) act_bits(1) act_range(static) lo(0.000000e+00) hi(6.000000e+00) : tensor<?x64xf32>, tensor<64x32xi8>, tensor<f32> -> tensor<?x32xf32>
  %y1 = bq.quantized_matmul %x, %codes, %s, %s weight_bits(1) act_bits(1)
      act_range(static) lo(0.0) hi(6.0)
      : tensor<?x64xf32>, tensor<64x32xi8>, tensor<f32> -> tensor<?x32xf32>
  return %y : tensor<?x32xf32>
}

// CHECK-LABEL: func @bitserial
func.func @bitserial(%acodes: tensor<?x100xi8>, %wcodes: tensor<32x100xi8>,
                     %aw: tensor<32xf32>, %bw: tensor<32xf32>, %sa: f32,
                     %oa: f32) -> tensor<?x32xf32> {
  // CHECK: %[[AP:.*]] = bq.pack %{{.*}} bits(2) : tensor<?x100xi8> -> tensor<2x?x2xi64>
  %ap = bq.pack %acodes bits(2) : tensor<?x100xi8> -> tensor<2x?x2xi64>
  // CHECK: %[[WP:.*]] = bq.pack %{{.*}} bits(3) : tensor<32x100xi8> -> tensor<3x32x2xi64>
  %wp = bq.pack %wcodes bits(3) : tensor<32x100xi8> -> tensor<3x32x2xi64>
  // CHECK: %[[P:.*]] = bq.bitserial_matmul %[[AP]], %[[WP]] k(100) : tensor<2x?x2xi64>, tensor<3x32x2xi64> -> tensor<?x32xi32>
  %p = bq.bitserial_matmul %ap, %wp k(100)
      : tensor<2x?x2xi64>, tensor<3x32x2xi64> -> tensor<?x32xi32>
  // CHECK: %[[RA:.*]] = bq.code_sums %{{.*}} dim(1) : tensor<?x100xi8> -> tensor<?xi32>
  %ra = bq.code_sums %acodes dim(1) : tensor<?x100xi8> -> tensor<?xi32>
  // CHECK: %[[CW:.*]] = bq.code_sums %{{.*}} dim(1) : tensor<32x100xi8> -> tensor<32xi64>
  %cw = bq.code_sums %wcodes dim(1) : tensor<32x100xi8> -> tensor<32xi64>
  // CHECK: bq.affine_epilogue %[[P]] row_sums(%[[RA]]) col_sums(%[[CW]]) weight(%{{.*}}, %{{.*}}) act(%{{.*}}, %{{.*}}) k(100) : tensor<?x32xi32>, tensor<?xi32>, tensor<32xi64>, tensor<32xf32> -> tensor<?x32xf32>
  %y = bq.affine_epilogue %p row_sums(%ra) col_sums(%cw) weight(%aw, %bw)
      act(%sa, %oa) k(100)
      : tensor<?x32xi32>, tensor<?xi32>, tensor<32xi64>, tensor<32xf32>
      -> tensor<?x32xf32>
  return %y : tensor<?x32xf32>
}
