// The whole nn library in one include: modules, layers, losses, initialisers, optimizers,
// learning-rate schedules and safetensors state dicts.
#pragma once

#include "nn/activation.h"
#include "nn/atomic_file.h"
#include "nn/container.h"
#include "nn/conv.h"
#include "nn/dropout.h"
#include "nn/init.h"
#include "nn/linear.h"
#include "nn/loss.h"
#include "nn/lr_scheduler.h"
#include "nn/module.h"
#include "nn/norm.h"
#include "nn/optim.h"
#include "nn/resample.h"
#include "nn/safetensors.h"
