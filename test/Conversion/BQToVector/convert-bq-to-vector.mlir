// RUN: bq-opt %s -split-input-file --convert-bq-to-vector | FileCheck %s
// RUN: bq-opt %s -split-input-file --convert-bq-to-vector="tile-rows=1 tile-cols=1" | FileCheck %s --check-prefix=TILE1

// The bit-serial matmul becomes a register-blocked kernel: W2A2 uses 4 x 2
// tiles with 8 vector<8xi64> accumulators carried through the loop over
// 512-bit chunks of K (570 bits = 9 words: one chunk, then one word in
// scalar code), one horizontal reduction per output.
// CHECK-LABEL: func @bitserial
// CHECK-DAG: %[[A:.*]] = bufferization.to_buffer %{{.*}} read_only : tensor<2x?x9xi64> to memref<2x?x9xi64>
// CHECK-DAG: %[[W:.*]] = bufferization.to_buffer %{{.*}} read_only : tensor<2x6x9xi64> to memref<2x6x9xi64>
// CHECK: %[[OUT:.*]] = memref.alloc(%{{.*}}) : memref<?x6xi32>
// CHECK: scf.for
// CHECK: scf.for
// CHECK: scf.for
// CHECK: scf.for {{.*}} iter_args({{.*}}) -> (vector<8xi64>, vector<8xi64>, vector<8xi64>, vector<8xi64>, vector<8xi64>, vector<8xi64>, vector<8xi64>, vector<8xi64>)
// CHECK: vector.load %[[A]][{{.*}}] : memref<2x?x9xi64>, vector<8xi64>
// CHECK: vector.load %[[W]][{{.*}}] : memref<2x6x9xi64>, vector<8xi64>
// CHECK: arith.andi %{{.*}}, %{{.*}} : vector<8xi64>
// CHECK: math.ctpop %{{.*}} : vector<8xi64>
// CHECK: arith.shli %{{.*}}, %{{.*}} : vector<8xi64>
// CHECK: arith.addi %{{.*}}, %{{.*}} : vector<8xi64>
// CHECK: vector.reduction <add>, %{{.*}} : vector<8xi64> into i64
// CHECK: memref.load %[[A]]
// CHECK: math.ctpop %{{.*}} : i64
// CHECK: arith.trunci %{{.*}} : i64 to i32
// CHECK: memref.store %{{.*}}, %[[OUT]]
// CHECK: bufferization.to_tensor %[[OUT]] restrict writable
// TILE1-LABEL: func @bitserial
// TILE1: scf.for {{.*}} iter_args(%{{.*}} = %{{.*}}) -> (vector<8xi64>) {
func.func @bitserial(%a: tensor<2x?x9xi64>, %w: tensor<2x6x9xi64>) -> tensor<?x6xi32> {
  %p = bq.bitserial_matmul %a, %w k(570) : tensor<2x?x9xi64>, tensor<2x6x9xi64> -> tensor<?x6xi32>
  return %p : tensor<?x6xi32>
}

// -----

// Packing run-time codes: 64 codes per vector<64xi8>, one bit tested per
// plane, the vector<64xi1> mask bitcast to the plane word; the last,
// partial word is read with zero padding.
// CHECK-LABEL: func @pack
// CHECK: %[[C:.*]] = bufferization.to_buffer %{{.*}} read_only : tensor<?x100xi8> to memref<?x100xi8>
// CHECK: %[[P:.*]] = memref.alloc(%{{.*}}) : memref<2x?x2xi64>
// CHECK: vector.load %[[C]][{{.*}}] : memref<?x100xi8>, vector<64xi8>
// CHECK: arith.cmpi ne, %{{.*}}, %{{.*}} : vector<64xi8>
// CHECK: vector.bitcast %{{.*}} : vector<64xi1> to vector<1xi64>
// CHECK: memref.store %{{.*}}, %[[P]]
// CHECK: vector.transfer_read %[[C]][{{.*}}], %{{.*}} : memref<?x100xi8>, vector<64xi8>
// CHECK: bufferization.to_tensor %[[P]] restrict writable
func.func @pack(%c: tensor<?x100xi8>) -> tensor<2x?x2xi64> {
  %p = bq.pack %c bits(2) : tensor<?x100xi8> -> tensor<2x?x2xi64>
  return %p : tensor<2x?x2xi64>
}

// -----

// Code sums, the epilogue (in f64) and activation quantization become linalg.
// CHECK-LABEL: func @linalg_parts
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK: arith.extui %{{.*}} : i8 to i32
// CHECK: linalg.reduce
// CHECK: math.roundeven
// CHECK: linalg.generic
// CHECK: arith.sitofp %{{.*}} : i32 to f64
// CHECK: arith.truncf %{{.*}} : f64 to f32
// CHECK-NOT: bq.
func.func @linalg_parts(%c: tensor<?x100xi8>, %p: tensor<?x6xi32>, %cw: tensor<6xi32>, %aw: tensor<6xf32>, %x: tensor<?x8xf32>) -> (tensor<?x6xf32>, tensor<?x8xi8>) {
  %ra = bq.code_sums %c dim(1) : tensor<?x100xi8> -> tensor<?xi32>
  %xc, %s, %o = bq.quantize_activations %x bits(2) range(dynamic) : tensor<?x8xf32> -> tensor<?x8xi8>
  %y = bq.affine_epilogue %p row_sums(%ra) col_sums(%cw) weight(%aw, %aw) act(%s, %o) k(100) : tensor<?x6xi32>, tensor<?xi32>, tensor<6xi32>, tensor<6xf32> -> tensor<?x6xf32>
  return %y, %xc : tensor<?x6xf32>, tensor<?x8xi8>
}
