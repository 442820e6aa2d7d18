// RUN: bq-opt %s -canonicalize | FileCheck %s

// bq.pack of constant codes folds to constant planes. Row 0 holds codes
// 1, 2, 3 (bits 01, 10, 11): plane 0 has bits 0 and 2 set (5), plane 1 bits
// 1 and 2 (6). Row 1 holds 0, 0, 1: plane 0 = 4, plane 1 = 0.
// CHECK-LABEL: func @pack_constant
// CHECK: %[[P:.*]] = arith.constant dense<{{\[\[\[}}5], [4]], {{\[\[}}6], [0]]]> : tensor<2x2x1xi64>
// CHECK-NOT: bq.pack
// CHECK: return %[[P]]
func.func @pack_constant() -> tensor<2x2x1xi64> {
  %c = arith.constant dense<[[1, 2, 3], [0, 0, 1]]> : tensor<2x3xi8>
  %p = bq.pack %c bits(2) : tensor<2x3xi8> -> tensor<2x2x1xi64>
  return %p : tensor<2x2x1xi64>
}

// A code of 255 in a 1-bit pack keeps only bit 0; splats fold too.
// CHECK-LABEL: func @pack_splat
// CHECK: arith.constant dense<{{\[\[\[}}-1, 1]]]> : tensor<1x1x2xi64>
func.func @pack_splat() -> tensor<1x1x2xi64> {
  %c = arith.constant dense<-1> : tensor<1x65xi8>
  %p = bq.pack %c bits(1) : tensor<1x65xi8> -> tensor<1x1x2xi64>
  return %p : tensor<1x1x2xi64>
}

// Codes are unsigned: -1 is 255. Sums along dim 0 and dim 1.
// CHECK-LABEL: func @code_sums_constant
// CHECK-DAG: %[[S0:.*]] = arith.constant dense<[255, 2, 4]> : tensor<3xi32>
// CHECK-DAG: %[[S1:.*]] = arith.constant dense<[258, 3]> : tensor<2xi64>
// CHECK: return %[[S0]], %[[S1]]
func.func @code_sums_constant() -> (tensor<3xi32>, tensor<2xi64>) {
  %c = arith.constant dense<[[-1, 2, 1], [0, 0, 3]]> : tensor<2x3xi8>
  %s0 = bq.code_sums %c dim(0) : tensor<2x3xi8> -> tensor<3xi32>
  %s1 = bq.code_sums %c dim(1) : tensor<2x3xi8> -> tensor<2xi64>
  return %s0, %s1 : tensor<3xi32>, tensor<2xi64>
}

// Dynamic shapes do not fold (the constant would change the type).
// CHECK-LABEL: func @pack_dynamic_result
// CHECK: bq.pack
func.func @pack_dynamic_result() -> tensor<1x?x1xi64> {
  %c = arith.constant dense<[[1, 0]]> : tensor<1x2xi8>
  %p = bq.pack %c bits(1) : tensor<1x2xi8> -> tensor<1x?x1xi64>
  return %p : tensor<1x?x1xi64>
}
