// Built without MPI: every process is a group of one (process_group.cpp refuses to run under a
// launcher rather than train several copies into one folder).
#include <stdexcept>

#include "dist/mpi_group.h"

namespace ganforge::dist {

bool built_with_mpi() { return false; }

std::unique_ptr<ProcessGroup> make_mpi_world_group() { throw std::logic_error("this build has no MPI"); }

}  // namespace ganforge::dist
