// RUN: bq-opt %s -split-input-file -verify-diagnostics

// Bits out of [1, 8].
func.func @f(%w: tensor<4xf32>) {
  // expected-error @+1 {{bits must be in [1, 8], got 0}}
  %c, %a, %b = bq.balanced_quantize %w bits(0) method(exact) scale(lsq) granularity(tensor) : tensor<4xf32> -> tensor<4xi8>, tensor<f32>
  return
}

// -----

// Codes must have the input's shape.
func.func @f(%w: tensor<4xf32>) {
  // expected-error @+1 {{expects codes of the input's shape, got 'tensor<5xi8>'}}
  %c, %a, %b = bq.balanced_quantize %w bits(2) method(exact) scale(lsq) granularity(tensor) : tensor<4xf32> -> tensor<5xi8>, tensor<f32>
  return
}

// -----

// Axis only with channel granularity.
func.func @f(%w: tensor<4x2xf32>) {
  // expected-error @+1 {{'axis' is only allowed with channel granularity}}
  %c, %a, %b = bq.balanced_quantize %w bits(2) method(exact) scale(lsq) granularity(tensor) axis(1) : tensor<4x2xf32> -> tensor<4x2xi8>, tensor<f32>
  return
}

// -----

// Tensor granularity has scalar-shaped scales.
func.func @f(%w: tensor<4x2xf32>) {
  // expected-error @+1 {{expects scalar-shaped alpha and beta (tensor<f32>) for tensor granularity}}
  %c, %a, %b = bq.balanced_quantize %w bits(2) method(exact) scale(lsq) granularity(tensor) : tensor<4x2xf32> -> tensor<4x2xi8>, tensor<2xf32>
  return
}

// -----

// Channel granularity needs an axis.
func.func @f(%w: tensor<4x2xf32>) {
  // expected-error @+1 {{channel granularity needs an 'axis'}}
  %c, %a, %b = bq.balanced_quantize %w bits(2) method(exact) scale(lsq) granularity(channel) : tensor<4x2xf32> -> tensor<4x2xi8>, tensor<2xf32>
  return
}

// -----

// Axis out of range.
func.func @f(%w: tensor<4x2xf32>) {
  // expected-error @+1 {{axis 2 is out of range for a rank-2 input}}
  %c, %a, %b = bq.balanced_quantize %w bits(2) method(exact) scale(lsq) granularity(channel) axis(2) : tensor<4x2xf32> -> tensor<4x2xi8>, tensor<2xf32>
  return
}

// -----

// One scale per channel.
func.func @f(%w: tensor<4x2xf32>) {
  // expected-error @+1 {{expects alpha and beta of shape [2] for channel granularity along axis 1, got 'tensor<4xf32>'}}
  %c, %a, %b = bq.balanced_quantize %w bits(2) method(exact) scale(lsq) granularity(channel) axis(1) : tensor<4x2xf32> -> tensor<4x2xi8>, tensor<4xf32>
  return
}

// -----

// Unknown method keyword.
func.func @f(%w: tensor<4xf32>) {
  // expected-error @+1 {{unknown method 'median'}}
  %c, %a, %b = bq.balanced_quantize %w bits(2) method(median) scale(lsq) granularity(tensor) : tensor<4xf32> -> tensor<4xi8>, tensor<f32>
  return
}

// -----

// Codes are i8.
func.func @f(%w: tensor<4xf32>) {
  // expected-error @+1 {{result #0 must be ranked tensor of 8-bit signless integer values}}
  %c, %a, %b = bq.balanced_quantize %w bits(2) method(exact) scale(lsq) granularity(tensor) : tensor<4xf32> -> tensor<4xi4>, tensor<f32>
  return
}

// -----

// Weights are floats.
func.func @f(%w: tensor<4xi32>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of 32-bit float or 16-bit float or bfloat16 type values}}
  %c, %a, %b = bq.balanced_quantize %w bits(2) method(exact) scale(lsq) granularity(tensor) : tensor<4xi32> -> tensor<4xi8>, tensor<f32>
  return
}

// -----

// Activation bits out of range.
func.func @f(%x: tensor<4xf32>) {
  // expected-error @+1 {{bits must be in [1, 8], got 9}}
  %c, %s, %o = bq.quantize_activations %x bits(9) range(dynamic) : tensor<4xf32> -> tensor<4xi8>
  return
}

// -----

// Activation codes have the input's shape.
func.func @f(%x: tensor<4xf32>) {
  // expected-error @+1 {{expects codes of the input's shape, got 'tensor<3xi8>'}}
  %c, %s, %o = bq.quantize_activations %x bits(8) range(dynamic) : tensor<4xf32> -> tensor<3xi8>
  return
}

// -----

// A static range needs lo and hi.
func.func @f(%x: tensor<4xf32>) {
  // expected-error @+1 {{a static range needs both 'lo' and 'hi'}}
  %c, %s, %o = bq.quantize_activations %x bits(8) range(static) lo(0.0) : tensor<4xf32> -> tensor<4xi8>
  return
}

// -----

// Lo/hi only with a static range.
func.func @f(%x: tensor<4xf32>) {
  // expected-error @+1 {{'lo' and 'hi' are only allowed with a static range}}
  %c, %s, %o = bq.quantize_activations %x bits(8) range(dynamic) lo(0.0) hi(1.0) : tensor<4xf32> -> tensor<4xi8>
  return
}

// -----

// Lo/hi must be finite.
func.func @f(%x: tensor<4xf32>) {
  // expected-error @+1 {{'lo' and 'hi' must be finite}}
  %c, %s, %o = bq.quantize_activations %x bits(8) range(static) lo(0.0) hi(0x7F800000) : tensor<4xf32> -> tensor<4xi8>
  return
}

// -----

// Weight bits out of range.
func.func @f(%x: tensor<2x4xf32>, %c: tensor<4x3xi8>, %s: tensor<f32>) {
  // expected-error @+1 {{weight_bits must be in [1, 8], got 0}}
  %y = bq.quantized_matmul %x, %c, %s, %s weight_bits(0) act_bits(8) act_range(dynamic) : tensor<2x4xf32>, tensor<4x3xi8>, tensor<f32> -> tensor<2x3xf32>
  return
}

// -----

// Act bits out of range.
func.func @f(%x: tensor<2x4xf32>, %c: tensor<4x3xi8>, %s: tensor<f32>) {
  // expected-error @+1 {{act_bits must be in [1, 8], got 16}}
  %y = bq.quantized_matmul %x, %c, %s, %s weight_bits(2) act_bits(16) act_range(dynamic) : tensor<2x4xf32>, tensor<4x3xi8>, tensor<f32> -> tensor<2x3xf32>
  return
}

// -----

// Lhs is a matrix.
func.func @f(%x: tensor<2x2x4xf32>, %c: tensor<4x3xi8>, %s: tensor<f32>) {
  // expected-error @+1 {{expects lhs of rank 2, got 'tensor<2x2x4xf32>'}}
  %y = bq.quantized_matmul %x, %c, %s, %s weight_bits(2) act_bits(8) act_range(dynamic) : tensor<2x2x4xf32>, tensor<4x3xi8>, tensor<f32> -> tensor<2x3xf32>
  return
}

// -----

// Contraction sizes agree.
func.func @f(%x: tensor<2x5xf32>, %c: tensor<4x3xi8>, %s: tensor<f32>) {
  // expected-error @+1 {{contraction sizes differ}}
  %y = bq.quantized_matmul %x, %c, %s, %s weight_bits(2) act_bits(8) act_range(dynamic) : tensor<2x5xf32>, tensor<4x3xi8>, tensor<f32> -> tensor<2x3xf32>
  return
}

// -----

// Result is MxN.
func.func @f(%x: tensor<2x4xf32>, %c: tensor<4x3xi8>, %s: tensor<f32>) {
  // expected-error @+1 {{expects a result of shape [M, N] = [2, 3], got 'tensor<2x4xf32>'}}
  %y = bq.quantized_matmul %x, %c, %s, %s weight_bits(2) act_bits(8) act_range(dynamic) : tensor<2x4xf32>, tensor<4x3xi8>, tensor<f32> -> tensor<2x4xf32>
  return
}

// -----

// Weight scales are [] or [N].
func.func @f(%x: tensor<2x4xf32>, %c: tensor<4x3xi8>, %s: tensor<4xf32>) {
  // expected-error @+1 {{expects weight scales of shape [] or [3], got 'tensor<4xf32>'}}
  %y = bq.quantized_matmul %x, %c, %s, %s weight_bits(2) act_bits(8) act_range(dynamic) : tensor<2x4xf32>, tensor<4x3xi8>, tensor<4xf32> -> tensor<2x3xf32>
  return
}

// -----

// Static activation range on the matmul.
func.func @f(%x: tensor<2x4xf32>, %c: tensor<4x3xi8>, %s: tensor<f32>) {
  // expected-error @+1 {{a static range needs both 'lo' and 'hi'}}
  %y = bq.quantized_matmul %x, %c, %s, %s weight_bits(2) act_bits(8) act_range(static) hi(1.0) : tensor<2x4xf32>, tensor<4x3xi8>, tensor<f32> -> tensor<2x3xf32>
  return
}

// -----

// Pack bits.
func.func @f(%c: tensor<4x64xi8>) {
  // expected-error @+1 {{bits must be in [1, 8], got 0}}
  %p = bq.pack %c bits(0) : tensor<4x64xi8> -> tensor<0x4x1xi64>
  return
}

// -----

// Pack takes a matrix.
func.func @f(%c: tensor<64xi8>) {
  // expected-error @+1 {{expects codes of rank 2, got 'tensor<64xi8>'}}
  %p = bq.pack %c bits(1) : tensor<64xi8> -> tensor<1x1x1xi64>
  return
}

// -----

// Pack needs a static K.
func.func @f(%c: tensor<4x?xi8>) {
  // expected-error @+1 {{needs a static contraction size (dimension 1 of the codes)}}
  %p = bq.pack %c bits(1) : tensor<4x?xi8> -> tensor<1x4x1xi64>
  return
}

// -----

// One plane per bit.
func.func @f(%c: tensor<4x64xi8>) {
  // expected-error @+1 {{expects 2 planes (dimension 0 of the result), got 'tensor<3x4x1xi64>'}}
  %p = bq.pack %c bits(2) : tensor<4x64xi8> -> tensor<3x4x1xi64>
  return
}

// -----

// One plane row per code row.
func.func @f(%c: tensor<4x64xi8>) {
  // expected-error @+1 {{expects one plane row per code row}}
  %p = bq.pack %c bits(2) : tensor<4x64xi8> -> tensor<2x5x1xi64>
  return
}

// -----

// Ceil(K/64) words per row.
func.func @f(%c: tensor<4x65xi8>) {
  // expected-error @+1 {{expects 2 words per row for K = 65, got 'tensor<2x4x1xi64>'}}
  %p = bq.pack %c bits(2) : tensor<4x65xi8> -> tensor<2x4x1xi64>
  return
}

// -----

// Code_sums dim in range.
func.func @f(%c: tensor<4x8xi8>) {
  // expected-error @+1 {{dim 2 is out of range for rank-2 codes}}
  %s = bq.code_sums %c dim(2) : tensor<4x8xi8> -> tensor<4xi32>
  return
}

// -----

// Code_sums drops dim.
func.func @f(%c: tensor<4x8xi8>) {
  // expected-error @+1 {{expects sums of the codes' shape without dim 1, got 'tensor<8xi32>'}}
  %s = bq.code_sums %c dim(1) : tensor<4x8xi8> -> tensor<8xi32>
  return
}

// -----

// Code_sums needs a static summed size.
func.func @f(%c: tensor<4x?xi8>) {
  // expected-error @+1 {{needs a static size along the summed dimension}}
  %s = bq.code_sums %c dim(1) : tensor<4x?xi8> -> tensor<4xi32>
  return
}

// -----

// Code_sums overflow.
func.func @f(%c: tensor<2x8421505xi8>) {
  // expected-error @+1 {{sums of 8421505 codes may overflow 'i32'}}
  %s = bq.code_sums %c dim(1) : tensor<2x8421505xi8> -> tensor<2xi32>
  return
}

// -----

// K positive.
func.func @f(%a: tensor<1x2x1xi64>, %w: tensor<1x3x1xi64>) {
  // expected-error @+1 {{k must be positive, got 0}}
  %p = bq.bitserial_matmul %a, %w k(0) : tensor<1x2x1xi64>, tensor<1x3x1xi64> -> tensor<2x3xi32>
  return
}

// -----

// Static plane count in [1, 8].
func.func @f(%a: tensor<9x2x1xi64>, %w: tensor<1x3x1xi64>) {
  // expected-error @+1 {{expects a static plane count in [1, 8] for lhs, got 'tensor<9x2x1xi64>'}}
  %p = bq.bitserial_matmul %a, %w k(64) : tensor<9x2x1xi64>, tensor<1x3x1xi64> -> tensor<2x3xi32>
  return
}

// -----

// Words agree with k.
func.func @f(%a: tensor<1x2x1xi64>, %w: tensor<1x3x2xi64>) {
  // expected-error @+1 {{expects 1 words per row for k = 64 in rhs, got 'tensor<1x3x2xi64>'}}
  %p = bq.bitserial_matmul %a, %w k(64) : tensor<1x2x1xi64>, tensor<1x3x2xi64> -> tensor<2x3xi32>
  return
}

// -----

// Bit-serial result is MxN.
func.func @f(%a: tensor<1x2x1xi64>, %w: tensor<1x3x1xi64>) {
  // expected-error @+1 {{expects a result of shape [M, N] = [2, 3], got 'tensor<3x2xi32>'}}
  %p = bq.bitserial_matmul %a, %w k(64) : tensor<1x2x1xi64>, tensor<1x3x1xi64> -> tensor<3x2xi32>
  return
}

// -----

// Accumulator overflow.
func.func @f(%a: tensor<8x2x600xi64>, %w: tensor<8x3x600xi64>) {
  // expected-error @+1 {{products of up to 2496960000 may overflow the i32 result; use i64}}
  %p = bq.bitserial_matmul %a, %w k(38400) : tensor<8x2x600xi64>, tensor<8x3x600xi64> -> tensor<2x3xi32>
  return
}

// -----

// Epilogue k positive.
func.func @f(%p: tensor<2x3xi32>, %ra: tensor<2xi32>, %cw: tensor<3xi32>, %s: tensor<3xf32>, %f: f32) {
  // expected-error @+1 {{k must be positive, got -1}}
  %y = bq.affine_epilogue %p row_sums(%ra) col_sums(%cw) weight(%s, %s) act(%f, %f) k(-1) : tensor<2x3xi32>, tensor<2xi32>, tensor<3xi32>, tensor<3xf32> -> tensor<2x3xf32>
  return
}

// -----

// One row sum per row.
func.func @f(%p: tensor<2x3xi32>, %ra: tensor<3xi32>, %cw: tensor<3xi32>, %s: tensor<3xf32>, %f: f32) {
  // expected-error @+1 {{expects one row sum per row of products}}
  %y = bq.affine_epilogue %p row_sums(%ra) col_sums(%cw) weight(%s, %s) act(%f, %f) k(8) : tensor<2x3xi32>, tensor<3xi32>, tensor<3xi32>, tensor<3xf32> -> tensor<2x3xf32>
  return
}

// -----

// One column sum per column.
func.func @f(%p: tensor<2x3xi32>, %ra: tensor<2xi32>, %cw: tensor<2xi32>, %s: tensor<3xf32>, %f: f32) {
  // expected-error @+1 {{expects one column sum per column of products}}
  %y = bq.affine_epilogue %p row_sums(%ra) col_sums(%cw) weight(%s, %s) act(%f, %f) k(8) : tensor<2x3xi32>, tensor<2xi32>, tensor<2xi32>, tensor<3xf32> -> tensor<2x3xf32>
  return
}

// -----

// Epilogue weight scales.
func.func @f(%p: tensor<2x3xi32>, %ra: tensor<2xi32>, %cw: tensor<3xi32>, %s: tensor<2xf32>, %f: f32) {
  // expected-error @+1 {{expects weight scales of shape [] or [3], got 'tensor<2xf32>'}}
  %y = bq.affine_epilogue %p row_sums(%ra) col_sums(%cw) weight(%s, %s) act(%f, %f) k(8) : tensor<2x3xi32>, tensor<2xi32>, tensor<3xi32>, tensor<2xf32> -> tensor<2x3xf32>
  return
}

// -----

// Epilogue result shape.
func.func @f(%p: tensor<2x3xi32>, %ra: tensor<2xi32>, %cw: tensor<3xi32>, %s: tensor<3xf32>, %f: f32) {
  // expected-error @+1 {{expects a result of the products' shape, got 'tensor<3x3xf32>'}}
  %y = bq.affine_epilogue %p row_sums(%ra) col_sums(%cw) weight(%s, %s) act(%f, %f) k(8) : tensor<2x3xi32>, tensor<2xi32>, tensor<3xi32>, tensor<3xf32> -> tensor<3x3xf32>
  return
}

// -----

// Weight codes are a matrix.
func.func @f(%x: tensor<2x4xf32>, %c: tensor<4xi8>, %s: tensor<f32>) {
  // expected-error @+1 {{expects weight codes of rank 2, got 'tensor<4xi8>'}}
  %y = bq.quantized_matmul %x, %c, %s, %s weight_bits(2) act_bits(8) act_range(dynamic) : tensor<2x4xf32>, tensor<4xi8>, tensor<f32> -> tensor<2x3xf32>
  return
}

// -----

// The quantized matmul's result is a matrix.
func.func @f(%x: tensor<2x4xf32>, %c: tensor<4x3xi8>, %s: tensor<f32>) {
  // expected-error @+1 {{expects result of rank 2, got 'tensor<6xf32>'}}
  %y = bq.quantized_matmul %x, %c, %s, %s weight_bits(2) act_bits(8) act_range(dynamic) : tensor<2x4xf32>, tensor<4x3xi8>, tensor<f32> -> tensor<6xf32>
  return
}

// -----

// Bit-serial products are i32 or i64 matrices.
func.func @f(%a: tensor<1x2x1xi64>, %w: tensor<1x3x1xi64>) {
  // expected-error @+1 {{result #0 must be 2D tensor of 32-bit signless integer or 64-bit signless integer values}}
  %p = bq.bitserial_matmul %a, %w k(64) : tensor<1x2x1xi64>, tensor<1x3x1xi64> -> tensor<2x3xi16>
  return
}
