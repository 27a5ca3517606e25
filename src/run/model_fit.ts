// A zoo model built for a dataset's inputs and checked before any work starts: a model that cannot take them
// (an image smaller than its pooling allows) is a one-line usage error naming both, not a crash in training.
import type { Kernels } from '../kernels/kernels.js';
import { createModel, InputTooSmallError, modelInputShape, type ModelOptions } from '../models/index.js';
import type { Module } from '../nn/module.js';
import { summarizeModel } from '../nn/summary.js';
import { UsageError } from '../util/errors.js';

export function createModelFor(
  cmd: string,
  name: string,
  dataset: { name: string; shape: [number, number, number] },
  options: Omit<ModelOptions, 'inputShape'> & { kernels?: Kernels },
): Module {
  const { kernels, ...modelOptions } = options;
  const dims = dataset.shape.join('×');
  const tooSmall = (e: InputTooSmallError) =>
    new UsageError(
      `${cmd}: model ${name} needs inputs of at least ${e.min.join('×')}, dataset ${dataset.name} has ${dims}`,
    );
  let model: Module;
  try {
    model = createModel(name, { ...modelOptions, inputShape: dataset.shape });
  } catch (e) {
    if (e instanceof InputTooSmallError) throw tooSmall(e);
    throw new UsageError(`${cmd}: model ${name}: ${(e as Error).message.split('\n')[0]}`);
  }
  if (kernels) model.useKernels(kernels);
  // The shape a model is made for is known to work; any other goes through one blank sample.
  if (dataset.shape.join() !== modelInputShape(name).join()) {
    try {
      summarizeModel(model, dataset.shape);
    } catch (e) {
      if (e instanceof InputTooSmallError) throw tooSmall(e);
      throw new UsageError(
        `${cmd}: model ${name} cannot take the ${dims} inputs of dataset ${dataset.name}: ${(e as Error).message.split('\n')[0]}`,
      );
    }
  }
  return model;
}
