//===- BQ.h - bq dialect ----------------------------------------*- C++ -*-===//
//
// The bq dialect, its enum attributes and its operations.
//
//===----------------------------------------------------------------------===//

#ifndef BQ_DIALECT_BQ_IR_BQ_H
#define BQ_DIALECT_BQ_IR_BQ_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "bq/Dialect/BQ/IR/BQDialect.h.inc"
#include "bq/Dialect/BQ/IR/BQEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "bq/Dialect/BQ/IR/BQAttrs.h.inc"

#define GET_OP_CLASSES
#include "bq/Dialect/BQ/IR/BQOps.h.inc"

#endif // BQ_DIALECT_BQ_IR_BQ_H
