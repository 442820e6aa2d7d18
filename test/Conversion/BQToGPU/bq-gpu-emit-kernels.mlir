// RUN: bq-opt %s --bq-gpu-emit-kernels | FileCheck %s
// RUN: bq-opt %s --bq-gpu-emit-kernels=mma=b1 | FileCheck %s --check-prefix=MMA
// RUN: bq-opt %s --bq-gpu-emit-kernels=host-emulation=true | FileCheck %s --check-prefix=EMU

// The wrappers that convert-bq-to-gpu declares get bodies after
// bufferization: device buffers, copies and kernels in one async chain.

// CHECK-LABEL: func.func private @bq_gpu_bitserial_matmul(
// CHECK-SAME: %[[A:.*]]: memref<2x?x3xi64>, %[[W:.*]]: memref<2x40x3xi64>, %[[P:.*]]: memref<?x40xi32>)
// CHECK-NOT: bq.gpu_kernel
// CHECK: %[[T0:.*]] = gpu.wait async
// CHECK: %[[DA:.*]], %[[T1:.*]] = gpu.alloc async [%[[T0]]] (%{{.*}}) : memref<2x?x3xi64>
// CHECK: %[[T2:.*]] = gpu.memcpy async [%[[T1]]] %[[DA]], %[[A]]
// CHECK: gpu.alloc async
// CHECK: gpu.memcpy async
// CHECK: %[[DP:.*]], %{{.*}} = gpu.alloc async [%{{.*}}] (%{{.*}}) : memref<?x40xi32>
// 16 x 16 threads, shared tiles of 2 planes x 4 words x 64 rows/columns.
// CHECK: gpu.launch async [%{{.*}}] blocks({{.*}}) threads({{.*}}) in (%{{.*}} = %c16{{.*}}, %{{.*}} = %c16{{.*}}, %{{.*}} = %c1{{.*}}) module(@bq_gpu_bitserial_matmul_kernels) function(@bq_gpu_bitserial_matmul_popc_matmul) workgroup(%[[SA:.*]] : memref<2x4x64xi64, #gpu.address_space<workgroup>>, %[[SW:.*]] : memref<2x4x64xi64, #gpu.address_space<workgroup>>)
// CHECK: scf.for
// CHECK: gpu.barrier
// CHECK: memref.store %{{.*}}, %[[SA]]
// CHECK: memref.store %{{.*}}, %[[SW]]
// CHECK: gpu.barrier
// CHECK: arith.andi
// CHECK: math.ctpop %{{.*}} : i64
// CHECK: arith.trunci %{{.*}} : i64 to i32
// CHECK: arith.shli
// CHECK: memref.store %{{.*}}, %[[DP]]
// CHECK: gpu.terminator
// CHECK: gpu.memcpy async [%{{.*}}] %[[P]], %[[DP]]
// CHECK: gpu.dealloc async
// CHECK: gpu.dealloc async
// CHECK: %[[LAST:.*]] = gpu.dealloc async
// CHECK: gpu.wait [%[[LAST]]]
// CHECK: return

// MMA-LABEL: func.func private @bq_gpu_bitserial_matmul(
// MMA: gpu.launch async {{.*}} threads({{.*}}) in (%{{.*}} = %c32{{.*}}, %{{.*}} = %c8{{.*}}, %{{.*}} = %c1{{.*}}) module(@bq_gpu_bitserial_matmul_kernels) function(@bq_gpu_bitserial_matmul_mma_matmul)
// MMA: nvvm.mma.sync A[{{.*}}] B[{{.*}}] C[{{.*}}] {b1Op = #nvvm.mma_b1op<and_popc>, layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>, multiplicandAPtxType = #nvvm.mma_type<b1>, multiplicandBPtxType = #nvvm.mma_type<b1>, shape = #nvvm.shape<m = 16, n = 8, k = 256>} : (i32, i32, i32) -> !llvm.struct<(i32, i32, i32, i32)>

// The emulation has no GPU ops: loops over blocks and threads, plain
// buffers for the tiles.
// EMU-LABEL: func.func private @bq_gpu_bitserial_matmul(
// EMU-NOT: gpu.
// EMU: memref.alloc() : memref<2x4x64xi64>
// EMU: scf.for
// EMU: scf.for
// EMU: scf.for
// EMU: scf.for
// EMU: math.ctpop
// EMU: memref.dealloc
// EMU-NOT: gpu.
// EMU: return
func.func private @bq_gpu_bitserial_matmul(memref<2x?x3xi64>, memref<2x40x3xi64>, memref<?x40xi32>)
    attributes {bq.gpu_kernel = {k = 150 : i64, kind = "bitserial_matmul"}}

// A quantized matmul with a dynamic range: min/max partials, the final
// reduction, quantize + pack, row sums, then the matmul with the epilogue.
// CHECK-LABEL: func.func private @bq_gpu_quantized_matmul(
// CHECK: gpu.launch async {{.*}} function(@bq_gpu_quantized_matmul_minmax_partials)
// CHECK: arith.minimumf
// CHECK: arith.maximumf
// CHECK: gpu.launch async {{.*}} function(@bq_gpu_quantized_matmul_minmax_final) workgroup(%{{.*}} : memref<2x256xf32, #gpu.address_space<workgroup>>)
// CHECK: gpu.barrier
// CHECK: arith.divf
// CHECK: gpu.launch async {{.*}} function(@bq_gpu_quantized_matmul_quantize_pack)
// CHECK: arith.fptoui
// CHECK: arith.ori
// CHECK: gpu.launch async {{.*}} function(@bq_gpu_quantized_matmul_row_sums)
// CHECK: math.ctpop
// CHECK: gpu.launch async {{.*}} function(@bq_gpu_quantized_matmul_popc_matmul)
// CHECK: math.ctpop
// CHECK: arith.sitofp %{{.*}} : i32 to f64
// CHECK: arith.truncf %{{.*}} : f64 to f32
func.func private @bq_gpu_quantized_matmul(memref<?x100xf32>, memref<2x16x2xi64>, memref<16xi32>, memref<16xf32>, memref<16xf32>, memref<?x16xf32>)
    attributes {bq.gpu_kernel = {act_bits = 2 : i64, act_range = "dynamic", k = 100 : i64, kind = "quantized_matmul", weight_bits = 2 : i64}}

// Functions without the attribute are left alone.
// CHECK: func.func private @other(memref<4xf32>)
func.func private @other(memref<4xf32>)
