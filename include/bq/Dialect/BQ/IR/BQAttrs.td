//===- BQAttrs.td - bq enum attributes ---------------------*- tablegen -*-===//
//
// Enumerations that configure the bq quantizers.
//
//===----------------------------------------------------------------------===//

#ifndef BQ_DIALECT_BQ_IR_BQATTRS_TD
#define BQ_DIALECT_BQ_IR_BQATTRS_TD

include "bq/Dialect/BQ/IR/BQBase.td"
include "mlir/IR/EnumAttr.td"

def BQ_MethodExact : I32EnumAttrCase<"Exact", 0, "exact">;
def BQ_MethodMean : I32EnumAttrCase<"Mean", 1, "mean">;
def BQ_MethodUniform : I32EnumAttrCase<"Uniform", 2, "uniform">;
def BQ_Method : I32EnumAttr<"Method", "weight code assignment method",
    [BQ_MethodExact, BQ_MethodMean, BQ_MethodUniform]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::bq";
}
def BQ_MethodAttr : EnumAttr<BQ_Dialect, BQ_Method, "method"> {
  let summary = "code assignment: exact percentiles, recursive mean, uniform";
}

def BQ_ScaleLsq : I32EnumAttrCase<"Lsq", 0, "lsq">;
def BQ_ScaleMax : I32EnumAttrCase<"Max", 1, "max">;
def BQ_ScaleMinMax : I32EnumAttrCase<"MinMax", 2, "minmax">;
def BQ_Scale : I32EnumAttr<"Scale", "reconstruction of code values",
    [BQ_ScaleLsq, BQ_ScaleMax, BQ_ScaleMinMax]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::bq";
}
def BQ_ScaleAttr : EnumAttr<BQ_Dialect, BQ_Scale, "scale"> {
  let summary = "affine reconstruction: least squares, symmetric max, min-max";
}

def BQ_GranularityTensor : I32EnumAttrCase<"Tensor", 0, "tensor">;
def BQ_GranularityChannel : I32EnumAttrCase<"Channel", 1, "channel">;
def BQ_Granularity : I32EnumAttr<"Granularity",
    "how a tensor is split into independently quantized slices",
    [BQ_GranularityTensor, BQ_GranularityChannel]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::bq";
}
def BQ_GranularityAttr : EnumAttr<BQ_Dialect, BQ_Granularity, "granularity"> {
  let summary = "one slice per tensor or one per index of a channel axis";
}

def BQ_RangeDynamic : I32EnumAttrCase<"Dynamic", 0, "dynamic">;
def BQ_RangeStatic : I32EnumAttrCase<"Static", 1, "static">;
def BQ_ActRange : I32EnumAttr<"ActRange", "activation range source",
    [BQ_RangeDynamic, BQ_RangeStatic]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::bq";
}
def BQ_ActRangeAttr : EnumAttr<BQ_Dialect, BQ_ActRange, "range"> {
  let summary = "activation range: min/max at run time or fixed attributes";
}

#endif // BQ_DIALECT_BQ_IR_BQATTRS_TD
