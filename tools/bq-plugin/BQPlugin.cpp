//===- BQPlugin.cpp - bq dialect and pass plugin for mlir-opt -------------===//
//
// Load with
//   mlir-opt --load-dialect-plugin=libBQPlugin.so \
//            --load-pass-plugin=libBQPlugin.so \
//            --pass-pipeline="builtin.module(bq-fold-constants)"
//
//===----------------------------------------------------------------------===//

#include "bq/InitAll.h"

#include "mlir/Tools/Plugins/DialectPlugin.h"
#include "mlir/Tools/Plugins/PassPlugin.h"
#include "llvm/Config/llvm-config.h"
#include "llvm/Support/Compiler.h"

using namespace mlir;

extern "C" LLVM_ATTRIBUTE_WEAK DialectPluginLibraryInfo
mlirGetDialectPluginInfo() {
  return {MLIR_PLUGIN_API_VERSION, "BQ", LLVM_VERSION_STRING,
          [](DialectRegistry *registry) {
            bq::registerAllBQDialects(*registry);
          }};
}

extern "C" LLVM_ATTRIBUTE_WEAK PassPluginLibraryInfo mlirGetPassPluginInfo() {
  return {MLIR_PLUGIN_API_VERSION, "BQPasses", LLVM_VERSION_STRING,
          []() { bq::registerAllBQPasses(); }};
}
