// RUN: %mlir_opt %s --load-dialect-plugin=%bq_lib_dir/libBQPlugin.so --load-pass-plugin=%bq_lib_dir/libBQPlugin.so --pass-pipeline="builtin.module(bq-fold-constants)" | FileCheck %s
// RUN: %mlir_opt %S/../Dialect/BQ/ops.mlir --load-dialect-plugin=%bq_lib_dir/libBQPlugin.so | FileCheck %S/../Dialect/BQ/ops.mlir

// Stock mlir-opt loads libBQPlugin.so, parses bq ops and runs a bq pass:
// the exact 1-bit quantization of [1, 2, 3, 4] splits at 3.
// CHECK-LABEL: func @fold
// CHECK-NOT: bq.balanced_quantize
// CHECK: arith.constant dense<[0, 0, 1, 1]> : tensor<4xi8>
func.func @fold() -> tensor<4xi8> {
  %w = arith.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %c, %a, %b = bq.balanced_quantize %w bits(1) method(exact) scale(lsq)
      granularity(tensor) : tensor<4xf32> -> tensor<4xi8>, tensor<f32>
  return %c : tensor<4xi8>
}
