// The training-mode loss of a lottery pipeline's rewind point under a round's mask, in each retraining architecture
// (ReLU / swish × with / without the jump paths, which start at their init): how far AT moves the state a retraining
// rewinds to before its first step. One batch of the training split (the run's own loader, epoch 0).
//   node scripts/results/rewind_loss_by_architecture.mjs runs/spending-small/resnet20w05-cifar10-spending-s0 3
import { createModel, loadTicket, ticketEvaluator } from '../../dist/src/index.js';
import { getKernels } from '../../dist/src/kernels/index.js';
import { CrossEntropyLoss } from '../../dist/src/nn/loss.js';

const [pipeline, round = '1'] = process.argv.slice(2);
if (!pipeline) {
  process.stderr.write('usage: rewind_loss_by_architecture.mjs PIPELINE_DIR [ROUND]\n');
  process.exit(2);
}
const rewind = loadTicket(`${pipeline}/rewind.safetensors`, { allowDense: true });
const ticket = loadTicket(`${pipeline}/round-${round.padStart(2, '0')}/model.safetensors`);
const p = rewind.provenance;
const batch = ticketEvaluator('rewind-loss', p, { splits: ['train'], threads: 1 })
  .o.bnData.epoch(0)
  .next().value;
const kernels = getKernels('native', 1);

for (const [activation, extraSkips] of [
  ['relu', false],
  ['swish', false],
  ['relu', true],
  ['swish', true],
]) {
  const model = createModel(p.model, { width: p.width, numClasses: p.classes, kernels, activation, extraSkips });
  const state = model.stateDict(); // the jump paths keep their init
  for (const [name, t] of rewind.state) state.set(name, t);
  for (const [name, mask] of ticket.masks) {
    const w = state.get(name);
    state.set(name, { ...w, data: w.data.map((v, i) => v * mask[i]) });
  }
  model.loadStateDict(state);
  model.train(true);
  const logits = model.forward({ data: batch.x, shape: batch.shape });
  const { loss } = new CrossEntropyLoss(0, kernels).compute(logits, batch.y);
  console.log(`${activation}${extraSkips ? ' + extra skips' : ''}: loss ${loss.toFixed(4)}`);
}
