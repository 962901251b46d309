// mocha's settings. Every test file and what it imports load as ES modules, as in the CLI: where Node can
// require() an ES module (by default from 20.19), mocha requires each file that it can, so a process held some
// modules twice, once as CommonJS and once as ES module, with two of each module-level singleton.
const esmOnly = 'require_module' in process.features ? ['no-experimental-require-module'] : [];

module.exports = {
  'node-option': ['import=tsx', 'env-file=test/test.env', ...esmOnly],
  timeout: 20000,
  recursive: true,
  exit: true,
  // Two files at a time: each has its own MySQL database and queue prefix (test/support/env.ts).
  parallel: true,
  jobs: 2,
};
