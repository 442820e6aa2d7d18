//===- bq-opt.cpp - bq optimizer driver -----------------------------------===//
//
// mlir-opt with bq's dialects and passes: registers everything upstream
// registers (dialects, passes, extensions, LLVM IR translations) plus bq's,
// then runs MlirOptMain.
//
//===----------------------------------------------------------------------===//

#include "bq/InitAll.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::registerAllPasses();
  bq::registerAllBQPasses();

  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  mlir::registerAllToLLVMIRTranslations(registry);
  bq::registerAllBQDialects(registry);

  return mlir::asMainReturnCode(mlir::MlirOptMain(
      argc, argv, "bq optimizer driver: balanced-quantized networks\n",
      registry));
}
