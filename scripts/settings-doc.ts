import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultText } from '../src/settings/compile.ts';
import { SETTINGS, type SettingKey } from '../src/settings/table.ts';

/**
 * The table of docs/settings.md, made from the settings table so the two
 * cannot drift: `npx tsx scripts/settings-doc.ts` rewrites it in place, and a
 * test fails when the committed page differs from what this makes.
 */

export const SETTINGS_DOC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../docs/settings.md');
const BEGIN = '<!-- settings table: made by scripts/settings-doc.ts from src/settings/table.ts; do not edit by hand -->';
const END = '<!-- end of settings table -->';

function cell(s: string): string {
  return s.replace(/\|/g, '\\|');
}

export function settingsTable(): string {
  const rows = (Object.keys(SETTINGS) as SettingKey[]).map((key) => {
    const spec = SETTINGS[key];
    return `| \`${spec.variable}\` | ${cell(defaultText(key))} | ${cell(spec.type.accepts)} | ${spec.secret ? 'yes' : 'no'} | ${cell(spec.description)} |`;
  });
  return [BEGIN, '| variable | default | accepts | secret | what it does |', '| --- | --- | --- | --- | --- |', ...rows, END].join('\n');
}

/** The page with its table replaced by the current one. */
export function settingsDoc(page: string): string {
  const from = page.indexOf(BEGIN);
  const to = page.indexOf(END);
  if (from < 0 || to < from) throw new Error(`${SETTINGS_DOC} has no settings table markers`);
  return page.slice(0, from) + settingsTable() + page.slice(to + END.length);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  writeFileSync(SETTINGS_DOC, settingsDoc(readFileSync(SETTINGS_DOC, 'utf8')));
}
