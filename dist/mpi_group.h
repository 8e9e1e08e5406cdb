// MPI's world as a ProcessGroup (process_group.h), with NCCL for CUDA tensors where built.
#pragma once

#include <memory>

#include "dist/process_group.h"

namespace ganforge::dist {

// Initialises MPI (finalised at exit) and returns its world. Without MPI in the build, throws.
std::unique_ptr<ProcessGroup> make_mpi_world_group();

}  // namespace ganforge::dist
