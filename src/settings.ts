/**
 * Settings from the environment, resolved once: the table, the defaults and
 * the compile step live in `settings/`; the rest of the code trusts the
 * compiled result.
 */

export { compileSettings, resolveSettings, SettingsError } from './settings/compile.ts';
export { DEFAULTS, type Settings } from './settings/table.ts';
