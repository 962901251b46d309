import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { createOutput, createProduct, productView } from '../../product/service.ts';
import { compileSettings } from '../../settings.ts';
import { UsageError } from '../exit.ts';
import { json, type Output, table } from '../output.ts';
import { openProductDeps, refusal, resolveId, waitUntilEnded } from './product-deps.ts';

/**
 * `slotflow product create IMAGE... --name N [--page FILE.html] [--category C]`, `product show ID`,
 * `product output ID --mode M [--prompt P] [--format F] [--size WxH]`: the same service the HTTP routes call. `create`
 * stores the files in the asset store first (as POST /v1/assets does), then checks and creates.
 */

/** Extensions a stored file keeps; a file named otherwise is stored as `.bin` and judged by its content. */
const KEPT_EXT = /^\.[a-z0-9]{1,5}$/;

export function registerProductCommands(program: Command, io: Output): void {
  const product = program.command('product').description('product creative: products built from photos, and their outputs');

  product
    .command('create')
    .description('store the photos (and page), check them, create the product and print its id')
    .argument('<images...>', 'product photos: JPEG, PNG or WebP, at least 512 px on the short side, 1 to 8')
    .requiredOption('--name <name>', "the product's name")
    .option('--page <file>', 'a saved product page (HTML)')
    .option('--category <category>', 'what kind of product it is')
    .option('--idempotency-key <key>', 'the same key gives the same product')
    .option('--wait', 'wait until the identity is built')
    .option('--json', 'print JSON')
    .action(async (images: string[], opts: { name: string; page?: string; category?: string; idempotencyKey?: string; wait?: boolean; json?: boolean }) => {
      const settings = compileSettings();
      const deps = openProductDeps(settings);
      try {
        const stored = [];
        for (const file of images) {
          const ext = path.extname(file).toLowerCase();
          stored.push({ file: path.basename(file), asset: path.basename((await deps.assets.putBytes(await readBytes(file), KEPT_EXT.test(ext) ? ext : '.bin')).path) });
        }
        const page = opts.page === undefined ? undefined : { file: path.basename(opts.page), asset: path.basename((await deps.assets.putBytes(await readBytes(opts.page), '.html')).path) };
        const body = { contract: 'product-creation/1', name: opts.name, images: stored, ...(page ? { page } : {}), ...(opts.category ? { category: opts.category } : {}) };
        const created = await createProduct(deps, body, opts.idempotencyKey ?? null).catch((e: unknown) => {
          throw refusal(e, io, opts.json === true);
        });
        if (opts.json) io.out(json(created));
        else io.out(created.id);
        if (opts.wait) await waitUntilEnded(deps, created.id, io, 'product');
      } finally {
        await deps.close();
      }
    });

  product
    .command('show')
    .description('the product: status, metadata, the identity\'s asset graph and its outputs')
    .argument('<id>', 'product id, or a unique prefix of it (8 characters or more)')
    .option('--json', 'print JSON')
    .action(async (given: string, opts: { json?: boolean }) => {
      const deps = openProductDeps(compileSettings());
      try {
        const view = await productView(deps, await resolveId(deps, given, 'product')).catch((e: unknown) => {
          throw refusal(e, io, opts.json === true);
        });
        if (opts.json) {
          io.out(json(view));
          return;
        }
        io.out(`product ${view.id}  ${view.name}  ${view.phase} / ${view.status}`);
        if (view.metadata) io.out(`category ${view.metadata.category}  palette ${view.metadata.palette.join(' ')}${view.metadata.brand ? `  brand ${view.metadata.brand}` : ''}`);
        if (view.assets.length > 0) {
          io.out('');
          for (const line of table(['ASSET', 'KIND', 'STAGE', 'PROVIDER', 'INPUTS'], view.assets.map((a) => [String(a.id), a.kind, a.stage, a.provider, a.inputs.join(', ')]), new Set([0]))) io.out(line);
        }
        if (view.outputs.length > 0) {
          io.out('');
          for (const line of table(['OUTPUT', 'MODE', 'STATUS'], view.outputs.map((o) => [o.id, o.mode, o.status]))) io.out(line);
        }
      } finally {
        await deps.close();
      }
    });

  product
    .command('output')
    .description('request an output of a product in one mode and print its id')
    .argument('<id>', 'product id, or a unique prefix of it (8 characters or more)')
    .requiredOption('--mode <mode>', 'image_bundle, fast_paced, script_to_video or ugc')
    .option('--prompt <text>', 'what the output should say or show')
    .option('--format <format>', '16:9, 9:16 or 1:1')
    .option('--size <WxH>', 'a smaller frame, for previews')
    .option('--scenes <n>', 'how many scenes')
    .option('--idempotency-key <key>', 'the same key gives the same output')
    .option('--wait', 'wait until the output is done')
    .option('--json', 'print JSON')
    .action(async (given: string, opts: { mode: string; prompt?: string; format?: string; size?: string; scenes?: string; idempotencyKey?: string; wait?: boolean; json?: boolean }) => {
      const scenes = opts.scenes === undefined ? undefined : Number(opts.scenes);
      if (scenes !== undefined && !Number.isInteger(scenes)) throw new UsageError('--scenes takes a whole number', { code: 'invalid-option' });
      const deps = openProductDeps(compileSettings());
      try {
        const id = await resolveId(deps, given, 'product');
        const options = { ...(opts.format ? { format: opts.format } : {}), ...(opts.size ? { size: opts.size } : {}), ...(scenes !== undefined ? { scenes } : {}) };
        const body = { contract: 'output-generation/1', mode: opts.mode, ...(opts.prompt !== undefined ? { prompt: opts.prompt } : {}), ...(Object.keys(options).length > 0 ? { options } : {}) };
        const created = await createOutput(deps, id, body, opts.idempotencyKey ?? null).catch((e: unknown) => {
          throw refusal(e, io, opts.json === true);
        });
        if (opts.json) io.out(json(created));
        else io.out(created.id);
        if (opts.wait) await waitUntilEnded(deps, created.id, io, 'output');
      } finally {
        await deps.close();
      }
    });
}

async function readBytes(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { code: 'unreadable-file' });
  }
}
