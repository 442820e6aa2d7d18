// RUN: bq-opt %s --convert-bq-to-gpu --split-input-file --verify-diagnostics | FileCheck %s

// A quantized matmul becomes a call of a private wrapper declaration that
// records the op; constant weight codes become constant planes (100 ones:
// a full word and 2^36 - 1) and column sums (100 * 3).
// CHECK-LABEL: func.func @qmm
// CHECK-SAME: (%[[X:.*]]: tensor<?x100xf32>)
// CHECK: %[[PLANES:.*]] = arith.constant dense<{{\[\[\[}}-1, 68719476735], [-1, 68719476735]{{.*}}> : tensor<2x16x2xi64>
// CHECK: %[[SUMS:.*]] = arith.constant dense<300> : tensor<16xi32>
// CHECK: %[[OUT:.*]] = memref.alloc(%{{.*}}) : memref<?x16xf32>
// CHECK: %[[XB:.*]] = bufferization.to_buffer %[[X]] read_only : tensor<?x100xf32> to memref<?x100xf32>
// CHECK: %[[PB:.*]] = bufferization.to_buffer %[[PLANES]] read_only
// CHECK: %[[SB:.*]] = bufferization.to_buffer %[[SUMS]] read_only
// CHECK: call @bq_gpu_quantized_matmul(%[[XB]], %[[PB]], %[[SB]], %{{.*}}, %{{.*}}, %[[OUT]])
// CHECK-SAME: : (memref<?x100xf32>, memref<2x16x2xi64>, memref<16xi32>, memref<f32>, memref<f32>, memref<?x16xf32>) -> ()
// CHECK: %[[Y:.*]] = bufferization.to_tensor %[[OUT]] restrict writable
// CHECK: return %[[Y]]
// CHECK: func.func private @bq_gpu_quantized_matmul(memref<?x100xf32>, memref<2x16x2xi64>, memref<16xi32>, memref<f32>, memref<f32>, memref<?x16xf32>)
// CHECK-SAME: attributes {bq.gpu_kernel = {act_bits = 8 : i64, act_range = "static", hi = 2.000000e+00 : f32, k = 100 : i64, kind = "quantized_matmul", lo = -1.000000e+00 : f32, weight_bits = 2 : i64}}
func.func @qmm(%x: tensor<?x100xf32>) -> tensor<?x16xf32> {
  %codes = arith.constant dense<3> : tensor<100x16xi8>
  %a = arith.constant dense<0.5> : tensor<f32>
  %b = arith.constant dense<-0.25> : tensor<f32>
  %y = bq.quantized_matmul %x, %codes, %a, %b weight_bits(2) act_bits(8)
      act_range(static) lo(-1.0) hi(2.0)
      : tensor<?x100xf32>, tensor<100x16xi8>, tensor<f32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

// Run-time weight codes are transposed, packed and summed on the host.
// CHECK-LABEL: func.func @runtime_codes
// CHECK: linalg.transpose
// CHECK: bq.pack %{{.*}} bits(1) : tensor<8x64xi8> -> tensor<1x8x1xi64>
// CHECK: bq.code_sums %{{.*}} dim(0) : tensor<64x8xi8> -> tensor<8xi32>
// CHECK: call @bq_gpu_quantized_matmul
// CHECK: func.func private @bq_gpu_quantized_matmul
// CHECK-SAME: act_range = "dynamic"
// CHECK-NOT: lo =
func.func @runtime_codes(%x: tensor<4x64xf32>, %codes: tensor<64x8xi8>, %a: tensor<8xf32>) -> tensor<4x8xf32> {
  %y = bq.quantized_matmul %x, %codes, %a, %a weight_bits(1) act_bits(1)
      act_range(dynamic)
      : tensor<4x64xf32>, tensor<64x8xi8>, tensor<8xf32> -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

// Two ops get two uniquely named wrappers; a bit-serial matmul passes its
// planes and integer result.
// CHECK-LABEL: func.func @two
// CHECK: call @bq_gpu_bitserial_matmul(%{{.*}}, %{{.*}}, %{{.*}}) : (memref<1x?x1xi64>, memref<1x8x1xi64>, memref<?x8xi32>) -> ()
// CHECK: call @bq_gpu_bitserial_matmul_0(
// CHECK: func.func private @bq_gpu_bitserial_matmul(memref<1x?x1xi64>, memref<1x8x1xi64>, memref<?x8xi32>) attributes {bq.gpu_kernel = {k = 64 : i64, kind = "bitserial_matmul"}}
// CHECK: func.func private @bq_gpu_bitserial_matmul_0(
func.func @two(%a: tensor<1x?x1xi64>, %w: tensor<1x8x1xi64>) -> (tensor<?x8xi32>, tensor<?x8xi32>) {
  %p = bq.bitserial_matmul %a, %w k(64) : tensor<1x?x1xi64>, tensor<1x8x1xi64> -> tensor<?x8xi32>
  %q = bq.bitserial_matmul %a, %w k(64) : tensor<1x?x1xi64>, tensor<1x8x1xi64> -> tensor<?x8xi32>
  return %p, %q : tensor<?x8xi32>, tensor<?x8xi32>
}

// -----

// A dynamic K stays on the host (bq-decompose reports it there).
// CHECK-LABEL: func.func @dynamic_k
// CHECK: bq.quantized_matmul
// CHECK-NOT: call
func.func @dynamic_k(%x: tensor<4x?xf32>, %codes: tensor<?x8xi8>) -> tensor<4x8xf32> {
  %a = arith.constant dense<0.5> : tensor<f32>
  // expected-remark @below {{left on the host: needs a static K whose products fit in i64}}
  %y = bq.quantized_matmul %x, %codes, %a, %a weight_bits(2) act_bits(2)
      act_range(dynamic)
      : tensor<4x?xf32>, tensor<?x8xi8>, tensor<f32> -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}
