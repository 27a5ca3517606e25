// The nn layer: Module with PyTorch-named parameters, layers with explicit forward/backward, losses.
export * from './tensor.js';
export * from './init.js';
export * from './module.js';
export * from './loss.js';
export * from './layers/linear.js';
export * from './layers/conv.js';
export * from './layers/batchnorm.js';
export * from './layers/activation.js';
export * from './layers/pool.js';
export * from './layers/flatten.js';
export * from './layers/dropout.js';
export * from './layers/sequential.js';
export * from './hvp.js';
export * from './gradinit.js';
