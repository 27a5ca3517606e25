// Reference SGD step, as torch.optim.SGD for one parameter tensor.
import type { SgdOptions } from '../kernels.js';
import type { Floats } from './floats.js';

/**
 * g = grad + wd·p; with momentum: buf = momentum·buf + (1 − dampening)·g (buf = g on the first step) and
 * g = nesterov ? g + momentum·buf : buf; then p −= lr·g. Without momentum the buffer is not touched.
 */
export function sgdUpdate(param: Floats, grad: Floats, momentumBuf: Floats, opt: SgdOptions, firstStep: boolean): void {
  const { lr, momentum, dampening, weightDecay, nesterov } = opt;
  for (let i = 0; i < param.length; i++) {
    let g = weightDecay !== 0 ? grad[i] + weightDecay * param[i] : grad[i];
    if (momentum !== 0) {
      const b = firstStep ? g : momentum * momentumBuf[i] + (1 - dampening) * g;
      momentumBuf[i] = b;
      g = nesterov ? g + momentum * b : b;
    }
    param[i] -= lr * g;
  }
}
