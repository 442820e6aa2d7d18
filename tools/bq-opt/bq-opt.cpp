//===- bq-opt.cpp - bq optimizer driver -----------------------------------===//
//
// mlir-opt with bq's dialects and passes: registers everything upstream
// registers (dialects, passes, extensions, LLVM IR translations) plus bq's,
// then runs MlirOptMain.
//
//===----------------------------------------------------------------------===//

#include "bq/InitAllWithUpstream.h"

#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  bq::registerUpstreamAndBQPasses();
  mlir::DialectRegistry registry;
  bq::registerUpstreamAndBQDialects(registry);

  return mlir::asMainReturnCode(mlir::MlirOptMain(
      argc, argv, "bq optimizer driver: balanced-quantized networks\n",
      registry));
}
