// REQUIRES: ptxas
// RUN: bq-opt %s --bq-gpu-pipeline="format=isa" | %extract_ptx -o %t.popc.ptx
// RUN: %ptxas -arch=sm_90 %t.popc.ptx -o %t.popc.cubin
// RUN: bq-opt %s --bq-gpu-pipeline="format=isa mma=b1" | %extract_ptx -o %t.mma.ptx
// RUN: %ptxas -arch=sm_90 %t.mma.ptx -o %t.mma.cubin
// RUN: bq-opt %s --bq-gpu-pipeline="format=isa chip=sm_80 features=+ptx71 mma=b1" | %extract_ptx -o %t.sm80.ptx
// RUN: %ptxas -arch=sm_80 %t.sm80.ptx -o %t.sm80.cubin
// RUN: bq-opt %s --bq-gpu-pipeline="format=bin" | FileCheck %s --check-prefix=BIN
// The demo's CNN (two convolutions and a linear layer: three GPU modules):
// RUN: rm -rf %t.cnn
// RUN: bq-opt %S/../../examples/digits/cnn.mlir --bq-quantize-linalg="weight-bits=2 act-bits=2" --bq-gpu-pipeline="format=isa mma=b1" | %extract_ptx --each %t.cnn
// RUN: %ptxas -arch=sm_90 %t.cnn/bq_gpu_quantized_matmul_kernels.ptx -o %t.cnn/0.cubin
// RUN: %ptxas -arch=sm_90 %t.cnn/bq_gpu_quantized_matmul_0_kernels.ptx -o %t.cnn/1.cubin
// RUN: %ptxas -arch=sm_90 %t.cnn/bq_gpu_quantized_matmul_1_kernels.ptx -o %t.cnn/2.cubin
// RUN: bq-opt %S/../../examples/digits/cnn.mlir --bq-quantize-linalg="weight-bits=1 act-bits=1" --bq-gpu-pipeline="format=fatbin" | FileCheck %s --check-prefix=CNN
// CNN-COUNT-3: gpu.binary @bq_gpu_quantized_matmul
// RUN: bq-opt %s --bq-gpu-pipeline="format=fatbin mma=b1" | FileCheck %s --check-prefix=FATBIN

// The PTX of both kernels (W2A8 with a dynamic range: all five kernels)
// is accepted by the CUDA toolkit's assembler; format=bin embeds a cubin
// (an ELF file), format=fatbin a fat binary (magic 0xBA55ED50).
// BIN: gpu.binary @bq_gpu_quantized_matmul_kernels [#gpu.object<#nvvm.target<chip = "sm_90", features = "+ptx80">, {{.*}}bin = "\7FELF
// FATBIN: llvm.func @layer
// FATBIN: gpu.binary @bq_gpu_quantized_matmul_kernels [#gpu.object<#nvvm.target<chip = "sm_90", features = "+ptx80">, {{.*}}"P\EDU\BA
func.func @layer(%x: tensor<?x300xf32>) -> tensor<?x40xf32> {
  %codes = arith.constant dense<3> : tensor<300x40xi8>
  %a = arith.constant dense<0.5> : tensor<40xf32>
  %b = arith.constant dense<-0.75> : tensor<40xf32>
  %y = bq.quantized_matmul %x, %codes, %a, %b weight_bits(2) act_bits(8)
      act_range(dynamic)
      : tensor<?x300xf32>, tensor<300x40xi8>, tensor<40xf32> -> tensor<?x40xf32>
  return %y : tensor<?x40xf32>
}
