import type { Options } from 'ajv';

/** The options the flow schema's validator is compiled with (`scripts/flow-validator.ts`). */
export const FLOW_AJV_OPTIONS: Options = { allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true, verbose: true };
