// RUN: bq-opt %s -split-input-file --bq-lower-to-reference | FileCheck %s

// The reference: min/max reductions, an elementwise quantize-dequantize of
// the activations, dequantized weights, a float linalg.matmul.
// CHECK-LABEL: func @dynamic
// CHECK-NOT: bq.
// CHECK: %[[MIN:.*]] = linalg.reduce ins(%{{.*}} : tensor<?x4xf32>) {{.*}} dimensions = [0, 1]
// CHECK: arith.minimumf
// CHECK: %[[MAX:.*]] = linalg.reduce
// CHECK: arith.maximumf
// CHECK: %[[XQ:.*]] = linalg.generic
// CHECK: math.roundeven
// CHECK: %[[WQ:.*]] = linalg.generic {{.*}} ins(%{{.*}}, %{{.*}}, %{{.*}} : tensor<4x3xi8>, tensor<3xf32>, tensor<3xf32>)
// CHECK: arith.uitofp %{{.*}} : i8 to f32
// CHECK: linalg.matmul ins(%[[XQ]], %[[WQ]] : tensor<?x4xf32>, tensor<4x3xf32>)
func.func @dynamic(%x: tensor<?x4xf32>, %codes: tensor<4x3xi8>, %a: tensor<3xf32>, %b: tensor<3xf32>) -> tensor<?x3xf32> {
  %y = bq.quantized_matmul %x, %codes, %a, %b weight_bits(2) act_bits(8) act_range(dynamic) : tensor<?x4xf32>, tensor<4x3xi8>, tensor<3xf32> -> tensor<?x3xf32>
  return %y : tensor<?x3xf32>
}

// -----

// A static range needs no reduction.
// CHECK-LABEL: func @static_range
// CHECK-NOT: linalg.reduce
// CHECK: arith.constant -1.000000e+00 : f32
// CHECK: arith.constant 3.000000e+00 : f32
// CHECK: linalg.matmul
func.func @static_range(%x: tensor<2x4xf32>, %codes: tensor<4x3xi8>, %s: tensor<f32>) -> tensor<2x3xf32> {
  %y = bq.quantized_matmul %x, %codes, %s, %s weight_bits(2) act_bits(2) act_range(static) lo(-1.0) hi(3.0) : tensor<2x4xf32>, tensor<4x3xi8>, tensor<f32> -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

// Standalone activation quantization gives i8 codes.
// CHECK-LABEL: func @activations
// CHECK: %[[F:.*]] = linalg.generic
// CHECK: math.roundeven
// CHECK: %[[C:.*]] = linalg.generic {{.*}} ins(%[[F]] : tensor<?x8xf32>) outs(%{{.*}} : tensor<?x8xi8>)
// CHECK: arith.fptoui %{{.*}} : f32 to i8
// CHECK: return %[[C]]
func.func @activations(%x: tensor<?x8xf32>) -> (tensor<?x8xi8>, f32, f32) {
  %c, %s, %o = bq.quantize_activations %x bits(4) range(dynamic) : tensor<?x8xf32> -> tensor<?x8xi8>
  return %c, %s, %o : tensor<?x8xi8>, f32, f32
}
