//===- ConstantData.cpp - Raw access to constant tensors ------------------===//

#include "bq/Dialect/BQ/IR/ConstantData.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/DialectResourceBlobManager.h"

#include <cstring>

using namespace mlir;

FailureOr<std::vector<uint8_t>> bq::getCodeBytes(Attribute attr) {
  if (auto dense = dyn_cast<DenseIntElementsAttr>(attr)) {
    if (dense.getElementType().getIntOrFloatBitWidth() != 8)
      return failure();
    size_t n = dense.getNumElements();
    if (dense.isSplat())
      return std::vector<uint8_t>(
          n, uint8_t(dense.getSplatValue<APInt>().getZExtValue()));
    ArrayRef<char> raw = dense.getRawData();
    return std::vector<uint8_t>(raw.begin(), raw.end());
  }
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(attr)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob || !resource.getElementType().isInteger(8) ||
        blob->getData().size() != size_t(resource.getNumElements()))
      return failure();
    ArrayRef<char> raw = blob->getData();
    return std::vector<uint8_t>(raw.begin(), raw.end());
  }
  return failure();
}

/// Converts `n` raw elements of a 16-bit float type to f32.
static std::vector<float> widen16(const llvm::fltSemantics &semantics,
                                  const char *raw, size_t n) {
  std::vector<float> values(n);
  for (size_t i = 0; i < n; ++i) {
    uint16_t bits;
    std::memcpy(&bits, raw + 2 * i, 2);
    values[i] = APFloat(semantics, APInt(16, bits)).convertToFloat();
  }
  return values;
}

/// Converts raw row-major elements of `elementType` to f32.
static FailureOr<std::vector<float>> toFloats(Type elementType,
                                              ArrayRef<char> raw, size_t n) {
  if (elementType.isF32()) {
    if (raw.size() != n * sizeof(float))
      return failure();
    std::vector<float> values(n);
    if (n != 0)
      std::memcpy(values.data(), raw.data(), raw.size());
    return values;
  }
  if (elementType.isF16() || elementType.isBF16()) {
    if (raw.size() != n * 2)
      return failure();
    return widen16(cast<FloatType>(elementType).getFloatSemantics(),
                   raw.data(), n);
  }
  return failure();
}

FailureOr<std::vector<float>> bq::getFloatData(Attribute attr) {
  if (auto dense = dyn_cast<DenseFPElementsAttr>(attr)) {
    size_t n = dense.getNumElements();
    if (dense.isSplat())
      return std::vector<float>(
          n, dense.getSplatValue<APFloat>().convertToFloat());
    return toFloats(dense.getElementType(), dense.getRawData(), n);
  }
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(attr)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob)
      return failure();
    return toFloats(resource.getElementType(), blob->getData(),
                    resource.getNumElements());
  }
  return failure();
}

template <typename T>
ElementsAttr bq::getDenseAttr(ShapedType type, ArrayRef<T> data,
                              StringRef resourceName) {
  ArrayRef<char> raw(reinterpret_cast<const char *>(data.data()),
                     data.size() * sizeof(T));
  if (resourceName.empty())
    return DenseElementsAttr::getFromRawBuffer(type, raw);
  return DenseResourceElementsAttr::get(
      type, resourceName,
      HeapAsmResourceBlob::allocateAndCopyInferAlign(data));
}

template ElementsAttr bq::getDenseAttr<uint8_t>(ShapedType, ArrayRef<uint8_t>,
                                                StringRef);
template ElementsAttr bq::getDenseAttr<uint64_t>(ShapedType,
                                                 ArrayRef<uint64_t>, StringRef);
template ElementsAttr bq::getDenseAttr<float>(ShapedType, ArrayRef<float>,
                                              StringRef);

ElementsAttr bq::getDenseIntAttr(ShapedType type, ArrayRef<int64_t> values) {
  if (type.getElementTypeBitWidth() == 64)
    return getDenseAttr(type, values);
  std::vector<int32_t> narrow(values.begin(), values.end());
  ArrayRef<char> raw(reinterpret_cast<const char *>(narrow.data()),
                     narrow.size() * sizeof(int32_t));
  return DenseElementsAttr::getFromRawBuffer(type, raw);
}
