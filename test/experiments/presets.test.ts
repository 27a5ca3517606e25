// The full presets against the papers (issue 28): every preset of configs/<paper>/full/ is read and its runs are
// checked against PAPER_SETTINGS below, a table of the papers' settings written out here, each row citing the
// section or table of papers/<paper>.txt (or the authors' code, where the paper leaves a number to it) it comes
// from. A preset that is missing, that no table uses, or whose runs differ from a row in one setting fails; so
// does a table whose `reproduce --table ID --scale full --dry-run` lists another number of runs than the paper's
// layout (the arithmetic beside each count).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIGS_DIR } from '../../src/experiments/reproduce.js';
import { flatten } from '../../src/experiments/sweep_file.js';
import {
  fullIndex,
  loadPreset,
  paperTables,
  TABLES,
  TABLE_PAPERS,
  type LoadedPreset,
} from '../../src/experiments/tables.js';
import { CLI } from '../helpers.js';

type Flat = Record<string, unknown>;
/** A condition on a run's flattened config: a value, any of several (an array of alternatives, written as
 * { anyOf }), absence (undefined), or a predicate. */
type Condition = unknown | { anyOf: unknown[] } | ((v: unknown) => boolean);

interface SettingsRow {
  /** Where the numbers come from. */
  cite: string;
  /** '<paper>/<file>' of configs/<paper>/full/; several presets share a row with an array. */
  presets: string[];
  /** Which of the presets' runs the row is about [default: all]. */
  where?: Record<string, Condition>;
  /** Every matching run has these values (dotted keys of its config as the sweep file writes it). */
  expect?: Record<string, unknown>;
  /** Across the matching runs, exactly these values occur. */
  values?: Record<string, unknown[]>;
  /** This many runs match. */
  runs?: number;
  /** A derived quantity of every matching run, e.g. Sup-tickets' M = floor(E·rate/C). */
  derived?: { what: string; of: (c: Flat) => unknown; is: unknown };
}

const anyOf = (...v: unknown[]) => ({ anyOf: v });
const sup = (paper: string, ...files: string[]) => files.map((f) => `${paper}/${f}`);
const SUP_CIFAR = sup('suptickets', 'vgg16.yaml', 'resnet50.yaml', 'wrn-28-10.yaml');
const SUP_ALL_CIFAR = [...SUP_CIFAR, 'suptickets/bn-bu.yaml'];
const SUP_IMAGENET = sup('suptickets', 'imagenet.yaml', 'imagenet-bn-bu.yaml');
const GRADINIT = {
  order: 'dense-first',
  iterations: 180,
  lr: 0.01,
  eta: 0.1,
  minScale: 0.01,
  gamma: 1,
  gradClip: 1,
};

export const PAPER_SETTINGS: SettingsRow[] = [
  // ---- Sup-tickets (papers/suptickets.txt) --------------------------------------------------------------------
  {
    cite: 'Sup-tickets §4.1 ("trained for 250 epochs ... momentum SGD with a learning rate of 0.1"); appendix B Table 7 (BS 128, LR 0.1, SGD, WD 5e-4 / momentum 0.9 - the columns are swapped); code valid_split 0.1',
    presets: SUP_ALL_CIFAR,
    expect: {
      epochs: 250,
      batch: 128,
      valFraction: 0.1,
      'optimizer.kind': 'sgd',
      'optimizer.lr': 0.1,
      'optimizer.momentum': 0.9,
      'optimizer.weightDecay': 0.0005,
      'schedule.kind': 'multistep',
      'schedule.gamma': 0.1,
    },
    values: { dataset: ['cifar10', 'cifar100'], seed: [0, 1, 2] },
  },
  {
    cite: 'Sup-tickets §4.1 ("decayed by 10x at the half and three-quarters"), as CIFAR/main_suptickets.py computes it: MultiStepLR([int(0.5·250), int(0.75·250)]) stepped once an epoch',
    presets: SUP_CIFAR,
    where: { 'booster.kind': undefined },
    expect: { 'schedule.milestoneEpochs': [125, 187] },
  },
  {
    cite: 'Sup-tickets appendix B Table 7: T-epochs 250, N-epochs 226, C-epochs 24, C 8, LR drop [113, 169], α 0.001 ↔ 0.005, ticket count 3; §3.2.1 (last 10%), §3.2.2 (CIA); README: --large-death-rate 0.5',
    presets: SUP_ALL_CIFAR,
    where: { 'booster.kind': 'suptickets' },
    expect: {
      'schedule.milestoneEpochs': [113, 169],
      'schedule.cycleEpochs': 8,
      'schedule.lowLr': 0.001,
      'schedule.highLr': 0.005,
      'booster.cycleRate': 0.1,
      'booster.exploreRate': 0.5,
      'booster.superpose': 'cia',
    },
    derived: {
      what: 'normal epochs and tickets M = floor(E·rate/C)',
      of: (c) => {
        const m = Math.floor(
          ((c.epochs as number) * (c['booster.cycleRate'] as number)) / (c['schedule.cycleEpochs'] as number),
        );
        return [(c.epochs as number) - m * (c['schedule.cycleEpochs'] as number), m];
      },
      is: [226, 3],
    },
  },
  {
    cite: "Sup-tickets §4.3 Tables 1, 2, 6: the paper's method is AV (appendix C); Table 10 compares BU (--update_bn)",
    presets: SUP_CIFAR,
    where: { 'booster.kind': 'suptickets' },
    expect: { 'booster.bn': 'av' },
  },
  {
    cite: 'Sup-tickets appendix C, Table 10: BU rows',
    presets: ['suptickets/bn-bu.yaml'],
    expect: { 'booster.kind': 'suptickets', 'booster.bn': 'bu' },
    values: { model: ['vgg16', 'resnet50', 'wrn-28-10'], 'sparse.sparsity': [0.95, 0.9, 0.8] },
  },
  {
    cite: 'Sup-tickets README commands (--sparse-init ERK --update-frequency 1000 --prune-rate 0.5 --decay-schedule constant; DST never stops in core.py step()); Table 7 Sparse Init ERK',
    presets: [...SUP_ALL_CIFAR, ...sup('freetickets', 'cifar10.yaml', 'cifar100.yaml')],
    where: { 'sparse.method': anyOf('set', 'rigl') },
    expect: {
      'sparse.distribution': 'erk',
      'sparse.updateInterval': 1000,
      'sparse.dropFraction': 0.5,
      'sparse.dropSchedule': 'constant',
      'sparse.updateEnd': null,
    },
  },
  {
    cite: 'Sup-tickets README GraNet command (--init-density 0.5, s_i = 5; --update-frequency 1000 --prune-rate 0.5 --decay-schedule constant); sparselearning/core.py defaults --init-prune-epoch 0 --final-prune-epoch 110',
    presets: SUP_ALL_CIFAR,
    where: { 'sparse.method': 'granet' },
    expect: {
      'sparse.distribution': 'erk',
      'sparse.initialDensity': 0.5,
      'sparse.pruneStartEpoch': 0,
      'sparse.pruneEndEpoch': 110,
      'sparse.updateInterval': 1000,
      'sparse.dropFraction': 0.5,
      'sparse.dropSchedule': 'constant',
      'sparse.updateEnd': null,
    },
  },
  {
    cite: 'Sup-tickets Table 1: VGG-16, dense and SET / RigL / GraNet ± Sup-tickets at 95/90/80%, 3 runs, CIFAR-10/100',
    presets: ['suptickets/vgg16.yaml'],
    expect: { model: 'vgg16' },
    values: { 'sparse.method': [undefined, 'set', 'rigl', 'granet'], 'sparse.sparsity': [undefined, 0.95, 0.9, 0.8] },
    runs: 2 * 3 * (1 + 3 * 2 * 3),
  },
  {
    cite: 'Sup-tickets Table 2: ResNet-50, dense and SNIP / ERK / SET / RigL / GraNet ± Sup-tickets at 95/90/80%',
    presets: ['suptickets/resnet50.yaml'],
    expect: { model: 'resnet50' },
    values: {
      'sparse.method': [undefined, 'snip', 'static', 'set', 'rigl', 'granet'],
      'sparse.sparsity': [undefined, 0.95, 0.9, 0.8],
    },
    runs: 2 * 3 * (1 + 5 * 2 * 3),
  },
  {
    cite: "Sup-tickets appendix A Table 6: Wide ResNet28-10 (models['wrn-28-10'], dropout 0), dense and SET / RigL / GraNet ± Sup-tickets",
    presets: ['suptickets/wrn-28-10.yaml'],
    expect: { model: 'wrn-28-10' },
    values: { 'sparse.method': [undefined, 'set', 'rigl', 'granet'], 'booster.kind': [undefined, 'suptickets'] },
    runs: 2 * 3 * (1 + 3 * 2 * 3),
  },
  {
    cite: 'Sup-tickets appendix B.2 Table 8 (T 100, N 92, C-epochs 8, C 2, BS 64, LR 0.1, drops [30, 60, 85], α 0.0001 ↔ 0.0005, 4 tickets, WD 1e-4, momentum 0.9, ERK); README ImageNet commands (--warmup 5 --label-smoothing 0.1 --update-frequency 4000, GraNet --init-density 0.5 --init-prune-epoch 0 --final-prune-epoch 30)',
    presets: SUP_IMAGENET,
    expect: {
      model: 'resnet50-imagenet',
      dataset: 'imagenet',
      epochs: 100,
      batch: 64,
      'optimizer.lr': 0.1,
      'optimizer.momentum': 0.9,
      'optimizer.weightDecay': 0.0001,
      'schedule.milestoneEpochs': [30, 60, 85],
      'schedule.warmupEpochs': 5,
      'loss.labelSmoothing': 0.1,
    },
    values: { 'sparse.sparsity': [undefined, 0.8, 0.9], seed: [0] },
  },
  {
    cite: 'Sup-tickets appendix B.2 Table 8: Sup-tickets on ImageNet',
    presets: SUP_IMAGENET,
    where: { 'booster.kind': 'suptickets' },
    expect: {
      'schedule.cycleEpochs': 2,
      'schedule.lowLr': 0.0001,
      'schedule.highLr': 0.0005,
      'booster.cycleRate': 0.08,
    },
    derived: {
      what: 'normal epochs and tickets',
      of: (c) => {
        const m = Math.floor(
          ((c.epochs as number) * (c['booster.cycleRate'] as number)) / (c['schedule.cycleEpochs'] as number),
        );
        return [(c.epochs as number) - m * (c['schedule.cycleEpochs'] as number), m];
      },
      is: [92, 4],
    },
  },
  {
    cite: 'Sup-tickets README ImageNet commands: --update-frequency 4000, CosineDecay of --prune-rate 0.5',
    presets: SUP_IMAGENET,
    where: { 'sparse.method': anyOf('rigl', 'granet') },
    expect: { 'sparse.updateInterval': 4000, 'sparse.dropFraction': 0.5, 'sparse.dropSchedule': 'cosine' },
  },
  {
    cite: 'Sup-tickets README ImageNet GraNet command (--init-density 0.5 --init-prune-epoch 0 --final-prune-epoch 30)',
    presets: SUP_IMAGENET,
    where: { 'sparse.method': 'granet' },
    expect: { 'sparse.initialDensity': 0.5, 'sparse.pruneStartEpoch': 0, 'sparse.pruneEndEpoch': 30 },
  },
  // ---- Lottery Pools (papers/lottery-pools.txt) ----------------------------------------------------------------
  {
    cite: 'Lottery Pools Table 2 and appendix E Table 6 (182 epochs, BS 128, LR 0.1, drops [91, 136], SGD, WD 1e-4 / momentum 0.9 swapped, no warm-up, rewind 9, 19 IMP iterations, 20%); appendix D (45,000 / 5,000 / 10,000); CIFAR/main_imp.py (MultiStepLR once an epoch; Conv2d-only pruner)',
    presets: sup('lottery-pools', 'cifar.yaml', 'cifar-ensemble.yaml'),
    expect: {
      epochs: 182,
      batch: 128,
      valFraction: 0.1,
      'optimizer.kind': 'sgd',
      'optimizer.lr': 0.1,
      'optimizer.momentum': 0.9,
      'optimizer.weightDecay': 0.0001,
      'schedule.kind': 'multistep',
      'schedule.milestoneEpochs': [91, 136],
      'schedule.gamma': 0.1,
      'schedule.warmupEpochs': undefined,
      'pipeline.kind': 'lottery-pools',
      'pipeline.lottery.kind': 'imp',
      'pipeline.lottery.rounds': 19,
      'pipeline.lottery.rate': 0.2,
      'pipeline.lottery.rewindEpoch': 9,
      'pipeline.lottery.scope': 'conv-only',
      'pipeline.pools.coefficients': [0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95],
      'pipeline.pools.prune': 'during',
    },
    values: { model: ['resnet18', 'vgg16'], dataset: ['cifar10', 'cifar100'], seed: [0, 1, 2] },
    derived: {
      what: 'the sparsest ticket’s weights remaining (Table 9: 1.80%)',
      of: (c) =>
        +(100 * (1 - (c['pipeline.lottery.rate'] as number)) ** ((c['pipeline.lottery.rounds'] as number) - 1)).toFixed(
          2,
        ),
      is: 1.8,
    },
  },
  {
    cite: 'Lottery Pools Tables 8/9 rows (Lottery Pools, Average, SWA, EMA, LT) and Figure 3(c) (CIFAR-10-C/100-C: 19 types × 5 severities); all candidates (--search_num 19)',
    presets: ['lottery-pools/cifar.yaml'],
    expect: {
      'pipeline.pools.variants': ['pool', 'average', 'swa', 'ema'],
      'pipeline.pools.candidates': undefined,
      'pipeline.corruptions.images': 10000,
      'pipeline.corruptions.severities': [1, 2, 3, 4, 5],
    },
    runs: 2 * 2 * 3,
  },
  {
    cite: 'Lottery Pools Figure 7: "the other two identified subnetworks from most adjacent iterations"',
    presets: ['lottery-pools/cifar-ensemble.yaml'],
    expect: { 'pipeline.pools.candidates': 2 },
    runs: 2 * 2 * 3,
  },
  {
    cite: 'Lottery Pools appendix E Table 7 (ResNet-18/34, 90 epochs, BS 1024, LR 0.4, drops [30, 60, 80], WD 1e-4, momentum 0.9, warm-up 5, rewind 5, 9 IMP iterations, 20%); appendix D (26,000 validation of 1,281,167)',
    presets: ['lottery-pools/imagenet.yaml'],
    expect: {
      dataset: 'imagenet',
      epochs: 90,
      batch: 1024,
      'optimizer.lr': 0.4,
      'optimizer.momentum': 0.9,
      'optimizer.weightDecay': 0.0001,
      'schedule.milestoneEpochs': [30, 60, 80],
      'schedule.warmupEpochs': 5,
      'pipeline.lottery.rounds': 9,
      'pipeline.lottery.rate': 0.2,
      'pipeline.lottery.rewindEpoch': 5,
    },
    values: { model: ['resnet18-imagenet', 'resnet34-imagenet'], seed: [0] },
    runs: 2,
  },
  // ---- FreeTickets (papers/freetickets.txt) -------------------------------------------------------------------
  {
    cite: 'FreeTickets appendix C "Hyperparameters of DST Ensemble" (WRN-28-10, 250 epochs, LR 0.1 decayed by 10, BS 128, WD 5e-4, S 0.8); main_DST.py (momentum 0.9, valid_split 0.1, MultiStepLR [int(epochs/2), int(epochs*3/4)] once an epoch)',
    presets: sup('freetickets', 'cifar10.yaml', 'cifar100.yaml'),
    where: { 'booster.kind': undefined },
    expect: {
      model: 'wrn-28-10',
      epochs: 250,
      batch: 128,
      valFraction: 0.1,
      'optimizer.kind': 'sgd',
      'optimizer.lr': 0.1,
      'optimizer.momentum': 0.9,
      'optimizer.weightDecay': 0.0005,
      'schedule.milestoneEpochs': [125, 187],
      'schedule.gamma': 0.1,
    },
  },
  {
    cite: 'FreeTickets Tables 1/2: dense, Static Sparse and DST Ensembles of M = 3 at S = 0.8 (§4 "we choose M = 3 ... at sparsity S = 0.8")',
    presets: sup('freetickets', 'cifar10.yaml', 'cifar100.yaml'),
    where: { 'booster.kind': undefined, 'pipeline.kind': undefined },
    values: { 'sparse.method': [undefined, 'static', 'rigl'], 'sparse.sparsity': [undefined, 0.8], seed: [0, 1, 2] },
    runs: 2 * 3 * 3,
  },
  {
    cite: 'FreeTickets appendix C "Hyperparameters of EDST Ensemble": 450 epochs at S 0.8 and 850 at S 0.9, t_ex 150, t_re 100, M 3 / 7, q 0.8, p 0.5; README EDST command (--nolrsche --decay-schedule constant --update-frequency 1000)',
    presets: sup('freetickets', 'cifar10.yaml', 'cifar100.yaml'),
    where: { 'booster.kind': 'edst' },
    expect: {
      'booster.exploreEpochs': 150,
      'booster.refineEpochs': 100,
      'booster.q': 0.8,
      'sparse.method': 'rigl',
      'optimizer.lr': 0.1,
    },
    values: { epochs: [450, 850], 'booster.members': [3, 7], 'sparse.sparsity': [0.8, 0.9] },
    runs: 2 * 2,
    derived: {
      what: '(epochs, sparsity, M) with M = (epochs − t_ex)/t_re',
      of: (c) => [
        c.epochs,
        c['sparse.sparsity'],
        ((c.epochs as number) - (c['booster.exploreEpochs'] as number)) / (c['booster.refineEpochs'] as number),
        c['booster.members'],
      ],
      is: {
        anyOf: [
          [450, 0.8, 3, 3],
          [850, 0.9, 7, 7],
        ],
      },
    },
  },
  {
    cite: 'FreeTickets appendix C "LTR Ensemble": GMP to the target sparsity, M retrains rewound to the 5% epoch (int(0.05·250) = 12); Tables 1/2 LTR Ensemble (M = 3) (S = 0.8)',
    presets: sup('freetickets', 'cifar10.yaml', 'cifar100.yaml'),
    where: { 'pipeline.kind': 'ltr-ensemble' },
    expect: { 'sparse.method': 'gmp', 'sparse.sparsity': 0.8, 'pipeline.members': 3, 'pipeline.rewindEpoch': 12 },
    runs: 2,
  },
  {
    cite: 'FreeTickets Tables 1/2 (Acc, NLL, ECE, cAcc/cNLL/cECE on the 19 corruptions, FLOPs), Table 4 (disagreement, KL), Tables 6/7 (OOD, Gaussian noise of 10,000), Table 8 (FGSM 8/255); ensembles of M = 3',
    presets: sup('freetickets', 'cifar10.yaml', 'cifar100.yaml'),
    expect: {
      'ensembles.size': 3,
      'ensembles.singles': true,
      'ensembles.metrics': ['calibration', 'ensemble', 'corruptions', 'ood', 'fgsm'],
      'ensembles.corruptionSamples': 10000,
      'ensembles.oodSamples': 10000,
      'ensembles.fgsmSamples': 10000,
    },
  },
  {
    cite: 'FreeTickets appendix C ImageNet: 200 epochs, BS 64, warm-up 5 to LR 0.1, ×0.1 at 60/120/180, ΔT 4000, cosine p 0.5; EDST t_ex 30, t_re 70: M 2 in 170 epochs, M 4 in 310; README (--label-smoothing 0.1); main.py --wd 1e-4',
    presets: ['freetickets/imagenet.yaml'],
    expect: {
      model: 'resnet50-imagenet',
      dataset: 'imagenet',
      batch: 64,
      'optimizer.lr': 0.1,
      'optimizer.momentum': 0.9,
      'optimizer.weightDecay': 0.0001,
      'schedule.milestoneEpochs': [60, 120, 180],
      'schedule.warmupEpochs': 5,
      'loss.labelSmoothing': 0.1,
      'sparse.method': 'rigl',
      'sparse.sparsity': 0.8,
      'sparse.updateInterval': 4000,
      'sparse.dropFraction': 0.5,
      'sparse.dropSchedule': 'cosine',
    },
    values: { epochs: [200, 170, 310], 'booster.members': [undefined, 2, 4], seed: [0, 1] },
    runs: 2 + 2,
  },
  {
    cite: 'FreeTickets appendix C ImageNet EDST: t_ex 30, t_re 70, q 0.8',
    presets: ['freetickets/imagenet.yaml'],
    where: { 'booster.kind': 'edst' },
    expect: { 'booster.exploreEpochs': 30, 'booster.refineEpochs': 70, 'booster.q': 0.8 },
  },
  // ---- Spending the lottery better (papers/spending-the-lottery.txt) ------------------------------------------
  {
    cite: 'Spending §4.1 (SGD momentum 0.9, WD 2e-4, LR 0.1, BS 128, drops at the 90th and 135th epoch, 9:1 split) with ToST LRsI/train_ticket.py (--epochs 182, --schedule 90 135 applied when the 0-based epoch starts; §4.1 says 180 epochs)',
    presets: sup(
      'spending',
      'resnet18-cifar100.yaml',
      'resnet18-cifar100-dense-tweaks.yaml',
      'resnet32.yaml',
      'fig5.yaml',
      'fig5-tiny-imagenet.yaml',
    ),
    expect: {
      epochs: 182,
      batch: 128,
      valFraction: 0.1,
      'optimizer.kind': 'sgd',
      'optimizer.lr': 0.1,
      'optimizer.momentum': 0.9,
      'optimizer.weightDecay': 0.0002,
      'schedule.kind': 'multistep',
      'schedule.milestoneEpochs': [90, 135],
      'schedule.gamma': 0.1,
    },
    values: { seed: [0, 1, 2] },
  },
  {
    cite: 'Spending §4.1 ("we rewind the dense network weight to the 33rd epoch"), IMP over the convolutions at 20% a round: Tables A2/A3 rows 20% … 97% (16 pruned rounds)',
    presets: sup('spending', 'resnet18-cifar100.yaml', 'fig5.yaml', 'fig5-tiny-imagenet.yaml'),
    expect: {
      'pipeline.kind': 'spending',
      'pipeline.lottery.kind': 'imp',
      'pipeline.lottery.rounds': 17,
      'pipeline.lottery.rate': 0.2,
      'pipeline.lottery.rewindEpoch': 33,
      'pipeline.lottery.scope': 'conv-only',
      'pipeline.retrain.rewindEpoch': 0,
    },
    derived: {
      what: 'the sparsest round’s sparsity % (Tables A2/A3: 97%)',
      of: (c) =>
        Math.round(
          100 * (1 - (1 - (c['pipeline.lottery.rate'] as number)) ** ((c['pipeline.lottery.rounds'] as number) - 1)),
        ),
      is: 97,
    },
  },
  {
    cite: "Spending appendix A1.3 Table A2 (LTH, + Skip, + Swish, + Scaling, + LS) and A1.5 Table A3 (+ AT, + TRT, + AT + TRT, LTH Rewind), Figure 7 (with rewinding); §3.2 (swish, extra skips, GradInit as ToST's LRsI README command, label smoothing 0.1); Figure A13 (10 batches)",
    presets: ['spending/resnet18-cifar100.yaml'],
    expect: {
      model: 'resnet18',
      dataset: 'cifar100',
      'pipeline.retrain.tweaks': [
        { name: 'lth' },
        { name: 'skip', extraSkips: true },
        { name: 'swish', activation: 'swish' },
        { name: 'scaling', gradinit: GRADINIT },
        { name: 'ls', labelSmoothing: 0.1 },
        { name: 'at', activation: 'swish', extraSkips: true },
        { name: 'trt', gradinit: GRADINIT, labelSmoothing: 0.1 },
        { name: 'at+trt', activation: 'swish', extraSkips: true, gradinit: GRADINIT, labelSmoothing: 0.1 },
        { name: 'lth-rewind', rewindEpoch: 33 },
        { name: 'at-rewind', activation: 'swish', extraSkips: true, rewindEpoch: 33 },
        { name: 'trt-rewind', gradinit: GRADINIT, labelSmoothing: 0.1, rewindEpoch: 33 },
        {
          name: 'at+trt-rewind',
          activation: 'swish',
          extraSkips: true,
          gradinit: GRADINIT,
          labelSmoothing: 0.1,
          rewindEpoch: 33,
        },
      ],
      'pipeline.evaluation.target': 16,
      'pipeline.evaluation.hessian.batches': 10,
    },
    runs: 3,
  },
  {
    cite: 'Spending appendix A1.3 Table A2, 0% row: the dense network trained with each tweak',
    presets: ['spending/resnet18-cifar100-dense-tweaks.yaml'],
    expect: { model: 'resnet18', dataset: 'cifar100', 'sparse.method': undefined },
    values: {
      extraSkips: [undefined, true],
      activation: [undefined, 'swish'],
      'gradinit.iterations': [undefined, 180],
      'loss.labelSmoothing': [undefined, 0.1],
    },
    runs: 4 * 3,
  },
  {
    cite: 'Spending appendix A1.6 Table A4: ResNet-32 on CIFAR-10/100 at 90/95/98%, LTH + AT + TRT and random pruning',
    presets: ['spending/resnet32.yaml'],
    expect: { model: 'resnet32' },
    values: { dataset: ['cifar10', 'cifar100'] },
    runs: 2 * 3 * 3 * 2,
  },
  {
    cite: 'Spending Table A4: LTH + AT + TRT masks at 90/95/98% (OMP to the exact sparsities, rewind point 33, retrained from the initialisation)',
    presets: ['spending/resnet32.yaml'],
    where: { 'pipeline.kind': 'spending' },
    expect: {
      'pipeline.lottery.kind': 'omp',
      'pipeline.lottery.rewindEpoch': 33,
      'pipeline.lottery.scope': 'conv-only',
      'pipeline.retrain.rewindEpoch': 0,
      'pipeline.retrain.tweaks': [
        { name: 'at+trt', activation: 'swish', extraSkips: true, gradinit: GRADINIT, labelSmoothing: 0.1 },
      ],
    },
    values: { 'pipeline.lottery.density': [0.1, 0.05, 0.02] },
  },
  {
    cite: 'Spending Table A4: random pruning at 90/95/98%',
    presets: ['spending/resnet32.yaml'],
    where: { 'sparse.method': 'static' },
    expect: { 'sparse.distribution': 'uniform' },
    values: { 'sparse.sparsity': [0.9, 0.95, 0.98] },
  },
  {
    cite: 'Spending §4.4 Figure 5: AT + TRT vs vanilla LTH for VGG-16, ResNet-18, ResNet-34, ResNet-50, MobileNet (CIFAR-10) and ResNet-18 (Tiny-ImageNet), three runs',
    presets: sup('spending', 'fig5.yaml', 'fig5-tiny-imagenet.yaml'),
    values: {
      model: ['vgg16', 'resnet18', 'resnet34', 'resnet50', 'mobilenet', 'resnet18-tiny-imagenet'],
      dataset: ['cifar10', 'tiny-imagenet'],
    },
    runs: 6 * 3,
  },
  {
    cite: 'Spending §3.2 / Figure 5: AT + TRT = swish + extra skips (BasicBlock ResNets) + GradInit + label smoothing 0.1',
    presets: sup('spending', 'fig5.yaml', 'fig5-tiny-imagenet.yaml'),
    where: { model: anyOf('resnet18', 'resnet34', 'resnet18-tiny-imagenet') },
    expect: {
      'pipeline.retrain.tweaks': [
        { name: 'lth' },
        { name: 'at+trt', activation: 'swish', extraSkips: true, gradinit: GRADINIT, labelSmoothing: 0.1 },
      ],
    },
  },
  {
    cite: 'Spending §3.2 / Figure 5: on models without BasicBlocks AT is the activation alone',
    presets: ['spending/fig5.yaml'],
    where: { model: anyOf('vgg16', 'resnet50', 'mobilenet') },
    expect: {
      'pipeline.retrain.tweaks': [
        { name: 'lth' },
        { name: 'at+trt', activation: 'swish', gradinit: GRADINIT, labelSmoothing: 0.1 },
      ],
    },
  },
];

/** The number of runs each table's `--dry-run` lists, from the paper's layout. */
export const TABLE_RUNS: Record<string, number> = {
  'suptickets 1': 2 * 3 * (1 + 3 * 2 * 3), // 2 datasets × 3 seeds × (dense + 3 methods × ±Sup × 3 sparsities)
  'suptickets 2': 2 * 3 * (1 + 5 * 2 * 3),
  'suptickets 3': 1 + 2 * 2 * 2, // one run: dense + RigL/GraNet × ±Sup × 2 sparsities
  'suptickets 4': 3 * 2 * 3 * (1 + 3), // 3 models × 2 datasets × 3 seeds × (dense + GraNet+Sup × 3 sparsities)
  'suptickets 6': 2 * 3 * (1 + 3 * 2 * 3),
  'suptickets 9': 2 * 2 * 2, // RigL/GraNet + Sup × 2 sparsities × AV/BU
  'suptickets 10': 2 * 3 * ((1 + 3 * 3) * 2 + (1 + 5 * 3)) + 2 * 3 * 3 * (3 + 3 + 5), // AV rows + dense, BU rows
  'suptickets 12': 2 * 2,
  'lottery-pools 8': 2 * 2 * 3, // 2 models × 2 datasets × 3 seeds, one pipeline each
  'lottery-pools 9': 2 * 2 * 3,
  'lottery-pools 10': 2,
  'lottery-pools fig7': 2 * 2 * 3,
  'freetickets 1': 3 * 3 + 2 + 1, // dense/static/DST × 3 seeds, EDST M3 and M7, one LTR pipeline
  'freetickets 2': 3 * 3 + 2 + 1,
  'freetickets 3': 2 + 2,
  'freetickets 4': 12,
  'freetickets 5': 24,
  'freetickets 6': 12,
  'freetickets 7': 12,
  'freetickets 8': 24,
  'spending A2': 3 + 4 * 3, // 3 pipelines, dense + 4 tweaks × 3 seeds
  'spending A3': 3,
  'spending A4': 2 * 3 * 3 * 2, // 2 datasets × 3 sparsities × 3 seeds × (OMP + AT + TRT, random pruning)
  'spending fig5': 6 * 3,
  'spending fig7': 3,
};

function matches(cond: Condition, v: unknown): boolean {
  if (typeof cond === 'function') return (cond as (x: unknown) => boolean)(v);
  if (cond && typeof cond === 'object' && 'anyOf' in (cond as object))
    return (cond as { anyOf: unknown[] }).anyOf.some((c) => matches(c, v));
  if (cond === undefined) return v === undefined;
  try {
    assert.deepStrictEqual(v, cond);
    return true;
  } catch {
    return false;
  }
}

/** A run's config as dotted keys; lists of objects (tweak sets) stay whole; the sweep's ensembles stage as
 * ensembles.*. */
const flats = new WeakMap<Flat, Flat>();
function flat(config: Flat, ensembles?: Flat): Flat {
  const key = ensembles ?? config;
  const cached = flats.get(config);
  if (cached && cached.__ensembles === key) return cached;
  const f: Flat = { ...flatten(config), ...(ensembles ? flatten({ ensembles }) : {}) };
  Object.defineProperty(f, '__ensembles', { value: key, enumerable: false });
  flats.set(config, f);
  return f;
}

const presets = new Map<string, LoadedPreset>();
function preset(key: string): LoadedPreset {
  if (!presets.has(key)) {
    const [paper, file] = key.split('/');
    presets.set(key, loadPreset(paper, file));
  }
  return presets.get(key)!;
}

/** Every problem of a preset set against the settings rows (empty: they agree). */
export function settingsProblems(
  load: (key: string) => LoadedPreset = preset,
  rows: SettingsRow[] = PAPER_SETTINGS,
): string[] {
  const problems: string[] = [];
  for (const row of rows) {
    const runs = row.presets.flatMap((p) => {
      const l = load(p);
      return l.runs.map((r) => ({ preset: p, name: r.name, c: flat(r.config, l.ensembles) }));
    });
    const mine = runs.filter((r) => Object.entries(row.where ?? {}).every(([k, cond]) => matches(cond, r.c[k])));
    const at = `[${row.cite}]`;
    if (mine.length === 0) {
      problems.push(`${at}: no run of ${row.presets.join(', ')} matches ${JSON.stringify(row.where)}`);
      continue;
    }
    if (row.runs !== undefined && mine.length !== row.runs)
      problems.push(`${at}: ${mine.length} runs, the paper's layout has ${row.runs}`);
    // One line per setting, preset and wrong value, however many runs have it.
    const wrong = new Map<string, string[]>();
    const note = (what: string, got: unknown, want: unknown, r: { preset: string; name: string }) => {
      const line = `${r.preset}: ${what} is ${JSON.stringify(got)}, the paper's is ${JSON.stringify(want)}`;
      wrong.set(line, [...(wrong.get(line) ?? []), r.name]);
    };
    for (const r of mine) {
      for (const [k, want] of Object.entries(row.expect ?? {})) if (!matches(want, r.c[k])) note(k, r.c[k], want, r);
      if (row.derived && !matches(row.derived.is, row.derived.of(r.c)))
        note(row.derived.what, row.derived.of(r.c), row.derived.is, r);
    }
    for (const [line, names] of wrong)
      problems.push(`${line} (${names.length} run${names.length > 1 ? 's' : ''}, e.g. ${names[0]}) ${at}`);
    for (const [k, want] of Object.entries(row.values ?? {})) {
      const got = [...new Set(mine.map((r) => JSON.stringify(r.c[k] ?? null)))].sort();
      const exp = [...new Set(want.map((w) => JSON.stringify(w ?? null)))].sort();
      if (JSON.stringify(got) !== JSON.stringify(exp))
        problems.push(`${at}: ${k} takes ${got.join(', ')} over the runs, the paper's are ${exp.join(', ')}`);
    }
  }
  return problems;
}

test('presets: every table names presets that exist, and every full preset belongs to a table', () => {
  const files = new Set<string>();
  for (const t of TABLES) for (const p of t.presets) files.add(`${t.paper}/${p}`);
  const missing = [...files].filter((k) => !existsSync(join(CONFIGS_DIR, k.split('/')[0], 'full', k.split('/')[1])));
  assert.deepEqual(missing, [], `presets the tables need but the package lacks: ${missing.join(', ')}`);
  for (const paper of TABLE_PAPERS) {
    const dir = join(CONFIGS_DIR, paper, 'full');
    const orphans = readdirSync(dir).filter((f) => f.endsWith('.yaml') && !files.has(`${paper}/${f}`));
    assert.deepEqual(orphans, [], `presets in configs/${paper}/full/ no table uses`);
    assert.ok(paperTables(paper).length > 0);
  }
  // Every preset the settings rows name is one of the tables'.
  const unknown = [...new Set(PAPER_SETTINGS.flatMap((r) => r.presets))].filter((p) => !files.has(p));
  assert.deepEqual(unknown, []);
  // And every preset is checked by at least one settings row.
  const unchecked = [...files].filter((p) => !PAPER_SETTINGS.some((r) => r.presets.includes(p)));
  assert.deepEqual(unchecked, [], 'presets no settings row checks');
});

test('presets: configs/<paper>/full.yaml lists every table of the paper once and every preset of its full/', () => {
  for (const paper of TABLE_PAPERS) {
    const index = fullIndex(paper);
    const ids = index.tables.map((t) => t.id);
    assert.deepEqual(
      [...ids].sort(),
      paperTables(paper)
        .map((t) => t.id)
        .sort(),
      `${paper}/full.yaml: its tables`,
    );
    assert.equal(new Set(ids).size, ids.length, `${paper}/full.yaml names a table twice`);
    const files = readdirSync(join(CONFIGS_DIR, paper, 'full')).filter((f) => f.endsWith('.yaml'));
    assert.deepEqual([...index.presets].sort(), files.sort(), `${paper}/full.yaml: its presets`);
  }
});

test('presets: every full preset has the papers’ settings (PAPER_SETTINGS)', () => {
  const problems = settingsProblems();
  assert.deepEqual(problems, [], `${problems.length} setting(s) differ from the papers:\n${problems.join('\n')}`);
});

test('presets: changing any one setting of a preset fails the settings check', () => {
  // For every setting a row names (expected values and value sets), change it in one matching run of each of the
  // row's presets: the check must report that setting.
  let changed = 0;
  for (const [i, row] of PAPER_SETTINGS.entries()) {
    const keys = [
      ...Object.keys(row.expect ?? {}).filter((k) => row.expect![k] !== undefined),
      ...Object.keys(row.values ?? {}),
    ];
    for (const key of keys)
      for (const target of row.presets) {
        const l = preset(target);
        const index = l.runs.findIndex((r) =>
          Object.entries(row.where ?? {}).every(([wk, cond]) => matches(cond, flat(r.config, l.ensembles)[wk])),
        );
        if (index < 0) continue;
        const mutated = (k: string): LoadedPreset => {
          if (k !== target) return preset(k);
          // ensembles.* settings belong to the sweep, the others to the run.
          if (key.startsWith('ensembles.'))
            return { ...l, ensembles: { ...(l.ensembles ?? {}), [key.slice('ensembles.'.length)]: 999 } };
          const runs = l.runs.map((r, j) => (j === index ? { ...r, config: structuredClone(r.config) } : r));
          const parts = key.split('.');
          let at = runs[index].config as Flat;
          for (const p of parts.slice(0, -1)) at = (at[p] = { ...((at[p] as Flat | undefined) ?? {}) }) as Flat;
          at[parts[parts.length - 1]] = 999;
          return { ...l, runs };
        };
        const problems = settingsProblems(mutated, [row]);
        assert.ok(
          problems.some((p) => p.includes(key)),
          `row ${i} (${row.cite}): changing ${key} in a run of ${target} went unnoticed`,
        );
        changed++;
      }
  }
  assert.ok(changed > 150, `only ${changed} settings were changed`);
});

/** Runs the CLI without waiting for the others (two at a time: the machine has two cores). */
function cliAsync(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

test('presets: `reproduce P --table T --scale full --dry-run` lists the runs each table needs', async () => {
  assert.deepEqual(
    Object.keys(TABLE_RUNS).sort(),
    TABLES.map((t) => `${t.paper} ${t.id}`).sort(),
    'TABLE_RUNS and the tables of experiments/tables.ts name the same tables',
  );
  const queue = TABLES.map((t) => t);
  const failures: string[] = [];
  const worker = async () => {
    for (let t = queue.shift(); t; t = queue.shift()) {
      const r = await cliAsync(['reproduce', t.paper, '--table', t.id, '--scale', 'full', '--dry-run', '--json']);
      if (r.code !== 0) {
        failures.push(`${t.paper} ${t.id}: exit ${r.code}: ${r.stderr.trim()}`);
        continue;
      }
      const doc = JSON.parse(r.stdout) as { sweeps: { runs: unknown[]; refused?: string }[] };
      const n = doc.sweeps.reduce((a, s) => a + s.runs.length, 0);
      if (n !== TABLE_RUNS[`${t.paper} ${t.id}`])
        failures.push(
          `${t.paper} ${t.id}: --dry-run lists ${n} runs, the paper's layout needs ${TABLE_RUNS[`${t.paper} ${t.id}`]}`,
        );
    }
  };
  await Promise.all([worker(), worker()]);
  assert.deepEqual(failures, []);
});

test('presets: the text dry run ends with each table’s runs and hours; ImageNet tables are refused with one line', () => {
  return (async () => {
    const dry = await cliAsync(['reproduce', 'freetickets', '--table', '1', '--dry-run']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /^sweep freetickets-full-cifar10: 12 runs/m);
    assert.match(dry.stdout, /^1\s+12\s+[\d.]+\s+[\d.]+\s+cifar10\.yaml/m);
    assert.match(dry.stdout, /GPU hours: .*H100/);
    const refused = await cliAsync(['reproduce', 'suptickets', '--table', '3', '--runs-dir', '/nonexistent/x']);
    assert.equal(refused.code, 2);
    assert.equal(refused.stderr.trim().split('\n').length, 1, refused.stderr);
    assert.match(refused.stderr, /needs the dataset 'imagenet'/);
    const list = await cliAsync(['reproduce', 'spending', '--list', '--json']);
    assert.equal(list.code, 0, list.stderr);
    const doc = JSON.parse(list.stdout) as { tables: { id: string; runs: number; gpu_hours: number | null }[] };
    assert.deepEqual(
      doc.tables.map((t) => t.id),
      ['A2', 'A3', 'A4', 'fig5', 'fig7'],
    );
    assert.ok(doc.tables.find((t) => t.id === 'A3')!.gpu_hours! > 100);
  })();
});
