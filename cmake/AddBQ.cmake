#===- AddBQ.cmake - Helpers for declaring bq targets ----------------------===#
#
# Modelled on CIRCT's AddCIRCT.cmake: thin wrappers over MLIR's helpers so that
# every bq library, dialect and doc is declared the same way.
#
#===----------------------------------------------------------------------===#

# Declare a bq library. All bq libraries are static, position independent
# and excluded from libMLIR.so; MLIR dependencies go to LINK_MLIR and resolve
# to libMLIR.so (MLIR_LINK_MLIR_DYLIB), other dependencies to LINK_LIBS.
#
#   add_bq_library(name src... [DEPENDS tgt...] [LINK_LIBS lib...]
#                  [LINK_MLIR lib...])
function(add_bq_library name)
  cmake_parse_arguments(ARG "" "" "DEPENDS;LINK_LIBS;LINK_MLIR" ${ARGN})
  add_mlir_library(${name} ${ARG_UNPARSED_ARGUMENTS}
    EXCLUDE_FROM_LIBMLIR
    DISABLE_INSTALL
    DEPENDS ${ARG_DEPENDS}
    LINK_LIBS PUBLIC ${ARG_LINK_LIBS})
  if(ARG_LINK_MLIR)
    mlir_target_link_libraries(${name} PUBLIC ${ARG_LINK_MLIR})
  endif()
  set_property(GLOBAL APPEND PROPERTY BQ_ALL_LIBS ${name})
endfunction()

# Declare the ODS-generated reference documentation of a dialect or of a set
# of passes, copied to <build>/docs/<output_directory><output_file>.md and
# built by the `bq-doc` target.
function(add_bq_doc td_file output_file output_directory command)
  add_mlir_doc(${td_file} ${output_file} ${output_directory} ${command} ${ARGN})
  add_dependencies(bq-doc ${output_file}DocGen)
endfunction()
