/**
 * Module boundaries of beckn-ride. Paths match with or without a leading
 * folder so the rules can be exercised on a fixture tree in the tests.
 */
const mod = (name) => `(^|/)src/${name}/`;

module.exports = {
  forbidden: [
    {
      name: 'bap-not-to-bpp',
      comment: 'The rider side never reaches into the provider side; they talk over Beckn.',
      severity: 'error',
      from: { path: mod('bap') },
      to: { path: mod('bpp') },
    },
    {
      name: 'bpp-not-to-bap',
      comment: 'The provider side never reaches into the rider side; they talk over Beckn.',
      severity: 'error',
      from: { path: mod('bpp') },
      to: { path: mod('bap') },
    },
    {
      name: 'protocol-is-generic',
      comment: 'The protocol layer knows nothing about rides or roles.',
      severity: 'error',
      from: { path: mod('protocol') },
      to: { path: `${mod('bap')}|${mod('bpp')}|${mod('audit')}|${mod('payments')}` },
    },
    {
      name: 'domains-not-to-express',
      comment: 'Domain code stays free of the web framework; only routes and the edge import express.',
      severity: 'error',
      from: { path: `(${mod('bap')}|${mod('bpp')})domain/` },
      to: { path: 'node_modules/express/' },
    },
    {
      name: 'infra-not-to-domains',
      comment: 'Infrastructure adapters are shared by every module and depend on none of them.',
      severity: 'error',
      from: { path: mod('infra') },
      to: { path: `${mod('bap')}|${mod('bpp')}|${mod('protocol')}|${mod('audit')}|${mod('registry')}|${mod('payments')}` },
    },
    {
      name: 'registry-only-from-composition-root',
      comment: 'The dev registry is mounted by the composition root; protocol and domains reach it only through the registry client.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/beckn-network\\.ts$' },
      to: { path: '^registry/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-test',
      comment: 'Production code never imports test code.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^test/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
