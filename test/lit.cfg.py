# -*- Python -*-
# lit configuration for bq.

import os
import shutil
import subprocess
import sys

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "BQ"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.bq_obj_root, "test")
config.excludes = ["Inputs", "CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py"]

config.substitutions.append(("%PATH%", config.environment["PATH"]))
config.substitutions.append(("%shlibext", ".so"))
config.substitutions.append(("%bq_lib_dir", config.bq_lib_dir))
config.substitutions.append(("%llvm_lib_dir", config.llvm_lib_dir))
config.substitutions.append(
    ("%mlir_runner_libs",
     ",".join(os.path.join(config.llvm_lib_dir, lib) for lib in
              ["libmlir_c_runner_utils.so", "libmlir_runner_utils.so"])))

llvm_config.with_system_environment(
    ["HOME", "INCLUDE", "LIB", "TMP", "TEMP", "LD_PRELOAD", "LD_LIBRARY_PATH",
     "ASAN_OPTIONS", "UBSAN_OPTIONS"])
llvm_config.use_default_substitutions()

# bq's tools come first, then LLVM's (FileCheck, not, mlir-opt, mlir-runner).
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
llvm_config.with_environment("PATH", config.bq_tools_dir, append_path=True)

tools = [
    ToolSubst("bq-opt", unresolved="fatal"),
    ToolSubst("mlir-runner", unresolved="fatal"),
    ToolSubst("mlir-translate", unresolved="fatal"),
    ToolSubst("llc", unresolved="fatal"),
    # Stock upstream mlir-opt, for the plugin tests.
    ToolSubst("%mlir_opt", command=os.path.join(config.llvm_tools_dir,
                                                "mlir-opt"),
              unresolved="fatal"),
]
llvm_config.add_tool_substitutions(tools, [config.bq_tools_dir,
                                           config.llvm_tools_dir])

config.substitutions.append(("%python", sys.executable))
config.substitutions.append(
    ("%extract_ptx", f"{sys.executable} "
     f"{os.path.join(config.bq_src_root, 'scripts', 'extract-ptx.py')}"))

# Optional features for tests that need more than the build machine has.
# `ptxas`: the CUDA toolkit's PTX assembler (gpu-module-to-binary with
# format=bin|fatbin finds it on PATH).
ptxas = shutil.which("ptxas") or next(
    (p for p in ["/usr/local/cuda/bin/ptxas"] if os.path.exists(p)), None)
if ptxas:
    config.available_features.add("ptxas")
    llvm_config.with_environment("PATH", os.path.dirname(ptxas),
                                 append_path=True)
    config.substitutions.append(("%ptxas", ptxas))

# `cuda-gpu`: bq's CUDA runtime wrappers were built and a GPU is visible.
# Without it test/Integration/GPU is reported unsupported, never passed.
config.substitutions.append(("%bq_cuda_runtime", config.bq_cuda_runtime))
if config.bq_cuda_runtime:
    config.available_features.add("bq-cuda-runtime")


def _gpu_visible():
    try:
        out = subprocess.run(["nvidia-smi", "-L"], capture_output=True,
                             text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return out.returncode == 0 and "GPU" in out.stdout


if config.bq_cuda_runtime and _gpu_visible():
    config.available_features.add("cuda-gpu")
