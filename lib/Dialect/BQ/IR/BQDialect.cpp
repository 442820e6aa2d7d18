//===- BQDialect.cpp - bq dialect registration ----------------------------===//

#include "bq/Dialect/BQ/IR/BQ.h"

#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace bq;

#include "bq/Dialect/BQ/IR/BQDialect.cpp.inc"
#include "bq/Dialect/BQ/IR/BQEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "bq/Dialect/BQ/IR/BQAttrs.cpp.inc"

void BQDialect::initialize() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "bq/Dialect/BQ/IR/BQAttrs.cpp.inc"
      >();
  addOperations<
#define GET_OP_LIST
#include "bq/Dialect/BQ/IR/BQOps.cpp.inc"
      >();
}

Operation *BQDialect::materializeConstant(OpBuilder &builder, Attribute value,
                                          Type type, Location loc) {
  return arith::ConstantOp::materialize(builder, value, type, loc);
}
