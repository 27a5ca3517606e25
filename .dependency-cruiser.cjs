// The layer rule of docs/ARCHITECTURE.md, checked by `npm run lint:layers` (CI): imports point down only, and
// folders of one rank do not import each other. Lowest first.
const LAYERS = [
  ['kernels', 'util'],
  ['nn', 'optim', 'data'],
  ['eval', 'models'],
  ['train'],
  ['sparse'],
  ['tickets'],
  ['run'],
  ['pipelines'],
  ['experiments'],
  ['cli'],
];

const rules = LAYERS.flatMap((rank, r) =>
  rank.map((folder) => {
    const peers = rank.filter((f) => f !== folder);
    const above = LAYERS.slice(r + 1).flat();
    const forbidden = [...peers, ...above, 'index\\.ts$'];
    return {
      name: `${folder}-imports-down`,
      comment: `src/${folder}/ may import only the layers below it (${LAYERS.slice(0, r).flat().join(', ') || 'none'})`,
      severity: 'error',
      from: { path: `^src/${folder}/` },
      to: { path: `^src/(${forbidden.join('|')})` },
    };
  }),
);

module.exports = {
  forbidden: [
    ...rules,
    {
      name: 'no-circular',
      comment: 'no import cycles, type-only imports included',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    // The compiled code imports `.js` paths of `.ts` sources.
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
