//===- Passes.h - bq conversion passes --------------------------*- C++ -*-===//

#ifndef BQ_CONVERSION_PASSES_H
#define BQ_CONVERSION_PASSES_H

#include "bq/Conversion/BQToVector/BQToVector.h"

#include "mlir/Pass/Pass.h"

namespace bq {

#define GEN_PASS_DECL
#include "bq/Conversion/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "bq/Conversion/Passes.h.inc"

} // namespace bq

#endif // BQ_CONVERSION_PASSES_H
