import { SlotflowError } from '../core/errors.ts';
/** Output formats: the aspect ratios `--format` and `options.format` take, and their frame sizes. */

export const FORMATS = {
  '16:9': { width: 1920, height: 1080, orientation: 'landscape' },
  '9:16': { width: 1080, height: 1920, orientation: 'portrait' },
  '1:1': { width: 1080, height: 1080, orientation: 'square' },
} as const;
export type FormatName = keyof typeof FORMATS;
export const DEFAULT_FORMAT: FormatName = '16:9';
export const FPS = 30;

export function isFormat(value: unknown): value is FormatName {
  return typeof value === 'string' && Object.hasOwn(FORMATS, value);
}

export class BadOptionError extends SlotflowError {
  override name = 'BadOptionError';
  declare readonly code: 'invalid-option';
  constructor(
    readonly option: string,
    message: string,
  ) {
    super(message, { code: 'invalid-option' });
  }
}

/**
 * The frame for a request. `options.size` ("WIDTHxHEIGHT", even numbers) may
 * scale the format down, which tests and previews use to stay fast.
 */
export function frameFor(options: Record<string, unknown>): { format: FormatName; width: number; height: number; orientation: 'landscape' | 'portrait' | 'square' } {
  const format = options.format ?? DEFAULT_FORMAT;
  if (!isFormat(format)) throw new BadOptionError('format', `format must be one of ${Object.keys(FORMATS).join(', ')} (got ${JSON.stringify(format)})`);
  const base = FORMATS[format];
  if (options.size === undefined) return { format, ...base };
  const m = typeof options.size === 'string' ? /^(\d{2,4})x(\d{2,4})$/.exec(options.size) : null;
  const width = m ? Number(m[1]) : NaN;
  const height = m ? Number(m[2]) : NaN;
  if (!m || width % 2 || height % 2 || width > 3840 || height > 3840) {
    throw new BadOptionError('size', `size must be WIDTHxHEIGHT with even numbers up to 3840 (got ${JSON.stringify(options.size)})`);
  }
  return { format, width, height, orientation: base.orientation };
}
