import { SlotflowError } from '../core/errors.ts';
import { DEFAULTS, SETTINGS, type LogLevel, type SettingKey, type Settings, type SettingSpec } from './table.ts';
import { InvalidValue } from './value-types.ts';

/**
 * The one place the product reads its environment: every variable of the
 * settings table is parsed and checked here, once, at start; the rest of the
 * code takes the `Settings` this returns and trusts it.
 */

/** Longest piece of a bad value an error repeats. */
const SHOWN_VALUE_MAX = 40;
const MASK = '****';

export class SettingsError extends SlotflowError {
  override name = 'SettingsError';
  constructor(
    readonly variable: string,
    /** The value's problem, e.g. `"abc" is not a whole number`. */
    readonly problem: string,
    readonly accepts: string,
  ) {
    super(`${variable}: ${problem}; it accepts ${accepts}`, { code: 'invalid-setting' });
  }
}

export type SettingSource = 'environment' | 'default';

export interface ResolvedSetting {
  key: SettingKey;
  variable: string;
  /** The value for JSON: secrets and a URL's password masked, unset as null. */
  value: unknown;
  /** The value as text, masked the same way; unset as `(unset)`. */
  shown: string;
  source: SettingSource;
  secret: boolean;
  description: string;
}

export interface ResolvedSettings {
  settings: Settings;
  sources: Record<SettingKey, SettingSource>;
}

const KEYS = Object.keys(SETTINGS) as SettingKey[];

/** Empty counts as unset, as it always has: `VAR= slotflow …` turns a setting off. */
function rawValue(env: NodeJS.ProcessEnv, variable: string): string | undefined {
  const raw = env[variable];
  return raw === undefined || raw === '' ? undefined : raw;
}

function quoted(raw: string, secret: boolean): string {
  if (secret) return 'the value';
  return JSON.stringify(raw.length > SHOWN_VALUE_MAX ? `${raw.slice(0, SHOWN_VALUE_MAX)}…` : raw);
}

function parseOne<T>(spec: SettingSpec<T>, raw: string): T {
  try {
    return spec.type.parse(raw.trim());
  } catch (e) {
    if (!(e instanceof InvalidValue)) throw e;
    throw new SettingsError(spec.variable, `${quoted(raw, spec.secret)} ${e.message}`, spec.type.accepts);
  }
}

/** Every setting with where it came from; throws `SettingsError` on the first bad value. */
export function resolveSettings(env: NodeJS.ProcessEnv = process.env): ResolvedSettings {
  const values: Record<string, unknown> = {};
  const sources = {} as Record<SettingKey, SettingSource>;
  for (const key of KEYS) {
    const spec = SETTINGS[key] as SettingSpec<unknown>;
    const raw = rawValue(env, spec.variable);
    values[key] = raw === undefined ? DEFAULTS[key] : parseOne(spec, raw);
    sources[key] = raw === undefined ? 'default' : 'environment';
  }
  const settings = values as unknown as Settings;
  // Reachable where we listen, unless said otherwise.
  if (sources.publicUrl === 'default') settings.publicUrl = `http://${settings.httpAddr}`;
  return { settings, sources };
}

export function compileSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  return resolveSettings(env).settings;
}

function masked(key: SettingKey, value: unknown): unknown {
  const spec = SETTINGS[key] as SettingSpec<unknown>;
  if (value === undefined) return null;
  if (spec.secret) return MASK;
  return spec.type.redact ? spec.type.redact(value) : value;
}

function show(key: SettingKey, value: unknown): string {
  const spec = SETTINGS[key] as SettingSpec<unknown>;
  const safe = masked(key, value);
  if (safe === null) return '(unset)';
  if (spec.secret) return MASK;
  return spec.type.show ? spec.type.show(safe) : String(safe);
}

/** The settings as `slotflow config` prints them. */
export function describeSettings(resolved: ResolvedSettings): ResolvedSetting[] {
  return KEYS.map((key) => {
    const spec = SETTINGS[key];
    return {
      key,
      variable: spec.variable,
      value: masked(key, resolved.settings[key]),
      shown: show(key, resolved.settings[key]),
      source: resolved.sources[key],
      secret: spec.secret,
      description: spec.description,
    };
  });
}

/** The default as the docs state it: the value, or what unset means. */
export function defaultText(key: SettingKey): string {
  const value = DEFAULTS[key];
  if (value === undefined) return `unset: ${SETTINGS[key].unset ?? 'off'}`;
  return show(key, value);
}

/**
 * The log level for the logger, which exists before any command has compiled
 * its settings: a bad value falls back to the default here and is reported
 * when the command compiles them.
 */
export function startupLogLevel(env: NodeJS.ProcessEnv = process.env): LogLevel {
  const raw = rawValue(env, SETTINGS.logLevel.variable);
  if (raw === undefined) return DEFAULTS.logLevel;
  try {
    return SETTINGS.logLevel.type.parse(raw.trim());
  } catch {
    return DEFAULTS.logLevel;
  }
}
