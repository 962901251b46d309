import { BUILTIN_SIGNATURES } from '../core/flow/builtins.ts';
import { catalogOf, type HandlerSignature } from '../core/flow/inputs.ts';
import { PIPELINE_SIGNATURES } from '../pipeline/signatures.ts';
import { PRESENTER_IDENTITY_SIGNATURES } from '../presenter/identity/signatures.ts';
import { PRESENTER_RENDER_SIGNATURES } from '../presenter/render/signatures.ts';
import { PRESENTER_ROUTE_SIGNATURES } from '../presenter/routes/signatures.ts';
import { PRODUCT_IDENTITY_SIGNATURES } from '../product/signatures.ts';

/**
 * The declarations of every handler slotflow ships (the builtins, which read
 * and produce nothing, and the video pipeline's, the product and presenter identities'), for checking and compiling
 * flows where no registry is at hand: `flow validate`, loading a flow file,
 * compiling a flow version read back from the store.
 */

const BUILTINS: Readonly<Record<string, HandlerSignature>> = Object.fromEntries(Object.keys(BUILTIN_SIGNATURES).map((name) => [name, {}]));

export const STANDARD_HANDLERS = catalogOf(BUILTINS, PIPELINE_SIGNATURES, PRODUCT_IDENTITY_SIGNATURES, PRESENTER_IDENTITY_SIGNATURES, PRESENTER_RENDER_SIGNATURES, PRESENTER_ROUTE_SIGNATURES);
