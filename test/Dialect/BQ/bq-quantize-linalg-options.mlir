// RUN: not bq-opt %s --bq-quantize-linalg="weight-bits=9" 2>&1 | FileCheck %s --check-prefix=WBITS
// RUN: not bq-opt %s --bq-quantize-linalg="act-bits=0" 2>&1 | FileCheck %s --check-prefix=ABITS
// RUN: not bq-opt %s --bq-quantize-linalg="method=median" 2>&1 | FileCheck %s --check-prefix=METHOD
// RUN: not bq-opt %s --bq-quantize-linalg="act-range=static" 2>&1 | FileCheck %s --check-prefix=STATIC
// RUN: bq-opt %s --bq-quantize-linalg="skip-first-last=true" 2>&1 | FileCheck %s --check-prefix=SKIP

// Option errors are diagnostics, and nothing is rewritten.
// WBITS: error: bq-quantize-linalg: weight-bits must be in [1, 8], got 9
// ABITS: error: bq-quantize-linalg: act-bits must be in [1, 8], got 0
// METHOD: Cannot find option named 'median'!
// STATIC: error: bq-quantize-linalg: act-range=static needs a 'bq.act_range' attribute on this op

// skip-first-last keeps the first and last quantizable ops in float.
// SKIP: remark: bq-quantize-linalg: first quantizable op kept in float (skip-first-last)
// SKIP: remark: bq-quantize-linalg: last quantizable op kept in float (skip-first-last)
// SKIP-LABEL: func @three_layers
// SKIP: linalg.matmul
// SKIP: bq.quantized_matmul
// SKIP: linalg.matmul
// SKIP-NOT: bq.quantized_matmul
func.func @three_layers(%x: tensor<4x2xf32>, %i: tensor<4x2xf32>) -> tensor<4x2xf32> {
  %w = arith.constant dense<[[0.5, -1.0], [2.0, 0.25]]> : tensor<2x2xf32>
  %y0 = linalg.matmul ins(%x, %w : tensor<4x2xf32>, tensor<2x2xf32>) outs(%i : tensor<4x2xf32>) -> tensor<4x2xf32>
  %y1 = linalg.matmul {bq.act_range = array<f32: -4.0, 4.0>} ins(%y0, %w : tensor<4x2xf32>, tensor<2x2xf32>) outs(%i : tensor<4x2xf32>) -> tensor<4x2xf32>
  %y2 = linalg.matmul ins(%y1, %w : tensor<4x2xf32>, tensor<2x2xf32>) outs(%i : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %y2 : tensor<4x2xf32>
}
