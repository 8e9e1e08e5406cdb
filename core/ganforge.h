// The whole public API of the engine in one include.
#pragma once

#include "core/autograd.h"
#include "core/build_info.h"
#include "core/dispatch.h"
#include "core/gradcheck.h"
#include "core/graph_print.h"
#include "core/layer_ops.h"
#include "core/ops.h"
#include "core/profiler.h"
#include "core/random.h"
#include "core/tensor.h"
