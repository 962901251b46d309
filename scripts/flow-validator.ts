import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import standalone from 'ajv/dist/standalone/index.js';
import { FLOW_AJV_OPTIONS } from '../src/core/flow/ajv-options.ts';
import flowSchema from '../schema/flow.schema.json' with { type: 'json' };

/**
 * The flow schema's validator as code (ajv's standalone output), made from `schema/flow.schema.json` so that no
 * command compiles the schema when it starts (about 0.1 s of ajv's compiler, and its import, at each start that
 * checks a flow: `render`, the worker, `flow validate`): `npx tsx scripts/flow-validator.ts` rewrites it in place,
 * and a test fails when the committed file differs from what this makes.
 */

export const FLOW_VALIDATOR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src/core/flow/flow-validator.generated.ts');

const HEADER = [
  '/* eslint-disable */',
  '// Made by scripts/flow-validator.ts from schema/flow.schema.json (ajv standalone code); do not edit by hand.',
  '// @ts-nocheck',
].join('\n');

export function flowValidatorSource(): string {
  const ajv = new Ajv2020({ ...FLOW_AJV_OPTIONS, code: { source: true, esm: true } });
  const code = standalone.default(ajv, ajv.compile(flowSchema));
  // ajv's code requires its runtime helpers (ucs2length) even as an ES module: `require` is given it.
  const body = code.replace(/^"use strict";/, '').trim();
  return [HEADER, "import { createRequire } from 'node:module';", 'const require = createRequire(import.meta.url);', body, ''].join('\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  writeFileSync(FLOW_VALIDATOR, flowValidatorSource());
  console.log(`wrote ${path.relative(process.cwd(), FLOW_VALIDATOR)}`);
}
