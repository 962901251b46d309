#!/usr/bin/env node
// Runs the TypeScript sources with no build step, so `npx slotflow` works right after `npm ci`.
//
// Loading the CLI's few hundred source files one by one through tsx's loader costs about two CPU seconds
// per start, so the sources are bundled into one file (external packages stay imports) the first time and
// whenever one of them changes; see ./bundle.js. SLOTFLOW_NO_BUNDLE=1, or a bundle that cannot be made,
// runs the sources through tsx as before.
import { cliBundle } from './bundle.js';

const bundle = process.env.SLOTFLOW_NO_BUNDLE === '1' ? undefined : await cliBundle();
let main;
if (bundle) {
  ({ main } = await import(bundle));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/cli/main.ts'));
}
process.exitCode = await main(process.argv);
