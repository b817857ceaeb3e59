/**
 * Module boundaries of beckn-ride. Paths match with or without a leading
 * folder so the rules can be exercised on a fixture tree in the tests.
 */
const fs = require('node:fs');
const path = require('node:path');

const mod = (name) => `(^|/)src/${name}/`;
const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The modules: folders directly under src/ and their immediate sub-folders
 * that have an index.ts (read from the real tree, so the fixture tree in the
 * tests is judged by the same list), plus registry/.
 */
function modules() {
  const hasIndex = (dir) => fs.existsSync(path.join(__dirname, dir, 'index.ts'));
  const folders = (dir) =>
    fs.readdirSync(path.join(__dirname, dir), { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name);
  const found = [];
  for (const top of folders('src')) {
    const subs = folders(`src/${top}`).filter((sub) => hasIndex(`src/${top}/${sub}`));
    if (hasIndex(`src/${top}`) || subs.length > 0) found.push({ top, index: hasIndex(`src/${top}`), subs });
  }
  return found;
}

/**
 * From outside a top-level folder, a module in it is reached only through its
 * index.ts (the top-level module's or a sub-module's). Files of the same
 * top-level folder import each other freely.
 */
function onlyThroughIndex() {
  const rules = [];
  const rule = (top, folder, subs) => ({
    name: 'only-through-index',
    comment: `Outside src/${top}/, src/${folder}/ is imported only through its index.ts.`,
    severity: 'error',
    from: { path: '(^|/)(src|registry)/', pathNot: mod(escape(top)) },
    to: {
      path: mod(escape(folder)),
      pathNot: [`${mod(escape(folder))}index\\.ts$`, ...subs.map((sub) => mod(`${escape(folder)}/${escape(sub)}`))],
    },
  });
  for (const { top, index, subs } of modules()) {
    if (index) rules.push(rule(top, top, subs));
    for (const sub of subs) rules.push(rule(top, `${top}/${sub}`, []));
  }
  rules.push({
    name: 'only-through-index',
    comment: 'Outside registry/, the dev registry is imported only through its index.ts.',
    severity: 'error',
    from: { path: '^src/' },
    to: { path: '^registry/', pathNot: '^registry/index\\.ts$' },
  });
  return rules;
}

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
    ...onlyThroughIndex(),
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
