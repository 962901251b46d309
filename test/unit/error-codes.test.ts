import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';

/**
 * Every error code written in the sources is kebab-case with no prefix
 * (`article-empty`), the one style the CLI, the HTTP API and the logs share.
 * Codes are found where they are written: `code: '…'` and `code = '…'`,
 * the string unions of `…Code` types, and `sendError(reply, status, '…')`.
 */

const KEBAB = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

function codesIn(text: string): string[] {
  const codes: string[] = [];
  for (const m of text.matchAll(/\bcode\s*[:=]\s*'([^']*)'/g)) codes.push(m[1]!);
  for (const m of text.matchAll(/\btype\s+\w*Code\s*=\s*([^;]+);/g)) {
    for (const literal of m[1]!.matchAll(/'([^']*)'/g)) codes.push(literal[1]!);
  }
  for (const m of text.matchAll(/sendError\([^,]+,\s*\d+,\s*'([^']*)'/g)) codes.push(m[1]!);
  return codes;
}

describe('error codes', () => {
  it('finds codes in each of the ways they are written, and flags one that is not kebab-case', () => {
    const sample = "super(m, { code: 'article-empty' });\nreadonly code = 'EWAV';\nexport type XCode = 'a-b' | 'c';\nsendError(reply, 404, 'not-found', 'x');";
    expect(codesIn(sample)).to.deep.equal(['article-empty', 'EWAV', 'a-b', 'c', 'not-found']);
    expect(codesIn(sample).filter((c) => !KEBAB.test(c))).to.deep.equal(['EWAV']);
  });

  it('are kebab-case with no prefix everywhere in src/', () => {
    const offenders: string[] = [];
    let seen = 0;
    for (const file of sourceFiles('src')) {
      for (const code of codesIn(readFileSync(file, 'utf8'))) {
        seen++;
        if (!KEBAB.test(code)) offenders.push(`${file}: ${code}`);
      }
    }
    expect(seen, 'codes found in src/').to.be.above(40);
    expect(offenders).to.deep.equal([]);
  });
});
