import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Pool } from 'mysql2/promise';
import { migrateDatabase, openMysql } from '../../src/adapters/mysql/connection.ts';
import { MysqlStore } from '../../src/adapters/mysql/mysql-store.ts';
import { canonicalJson } from '../../src/core/flow/compile.ts';
import { lexicalEmbedder, lexicalTerms, lexicalVector } from '../../src/pipeline/text/lexical-vector.ts';
import { cosine } from '../../src/runtime/reuse/cosine.ts';
import { REUSE_CANDIDATE_LIMIT, settingsHash } from '../../src/runtime/reuse/request-reuse.ts';
import { DEFAULTS } from '../../src/settings/table.ts';
import { freshEnv, ROOT } from './lib/env.ts';
import { percentile, round } from './lib/stats.ts';

/**
 * The reuse bench: a fresh database holding `stored` request vectors of
 * completed tasks, all in one settings partition (the worst case), then
 * `lookups` lookups timed end to end as a submission makes them (the
 * lexical embedding of the text, the candidate query, the exact cosine);
 * half of them are requests stored already, half new. Then precision and
 * recall at the default threshold on the pair set of
 * test/fixtures/reuse/pairs.json (paraphrases should reuse, near misses
 * must not).
 */

export interface ReuseBench {
  stored: number;
  lookups: number;
  server: string;
  vectorIndex: string;
  insertSec: number;
  lookupMs: { p50: number; p99: number; max: number };
  hits: number;
  threshold: number;
  pairs: { paraphrases: number; nearMisses: number; truePositives: number; falsePositives: number; falseNegatives: number; precision: number | null; recall: number };
  falsePositives: Array<[string, string]>;
  missed: Array<[string, string]>;
}

const INSERT_BATCH = 2000;
/** MariaDB gained a VECTOR type and vector indexes in 11.7. */
const VECTOR_SINCE: readonly [number, number] = [11, 7];

interface Pairs {
  paraphrases: Array<[string, string]>;
  near_misses: Array<[string, string]>;
}

/** A small deterministic generator, so two runs store the same requests. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** The lemmas of the fixture articles: a realistic vocabulary for generated requests. */
function vocabulary(): string[] {
  const dir = path.join(ROOT, 'test/fixtures/articles/set');
  const text = ['bread', 'chess', 'coffee', 'honeybees', 'moon', 'night-trains', 'volcano'].map((f) => readFileSync(path.join(dir, `${f}.md`), 'utf8')).join('\n');
  return [...lexicalTerms(text).keys()].filter((t) => /^[a-z]+$/.test(t));
}

async function serverVersion(pool: Pool): Promise<{ text: string; hasVector: boolean }> {
  const [rows] = await pool.query('SELECT VERSION() AS v');
  const text = String((rows as Array<{ v: string }>)[0]!.v);
  const [major, minor] = text.split(/[.-]/).map(Number) as [number, number];
  const mariadb = /mariadb/i.test(text);
  const hasVector = mariadb && (major > VECTOR_SINCE[0] || (major === VECTOR_SINCE[0] && minor >= VECTOR_SINCE[1]));
  return { text, hasVector };
}

export async function reuseBench(opts: { stored: number; lookups: number; log: (s: string) => void }): Promise<ReuseBench> {
  const env = await freshEnv('reuse');
  try {
    await migrateDatabase(env.settings.mysqlUrl);
    const store = new MysqlStore(openMysql(env.settings.mysqlUrl));
    try {
      const version = await serverVersion(store.handle.pool);
      const key = settingsHash({ hash: 'bench-flow' }, { format: '16:9' });
      const words = vocabulary();
      const random = rng(42);
      const texts: string[] = [];
      const started = performance.now();
      for (let i = 0; i < opts.stored; i += INSERT_BATCH) {
        const rows: unknown[][] = [];
        for (let j = i; j < Math.min(opts.stored, i + INSERT_BATCH); j++) {
          const n = 3 + Math.floor(random() * 6);
          const terms = new Map<string, number>();
          while (terms.size < n) terms.set(words[Math.floor(random() * words.length)]!, 1);
          const text = [...terms.keys()].join(' ');
          texts.push(text);
          // Embedded as a submission's text is, so a lookup of the same text finds it.
          const e = lexicalVector(text);
          rows.push([`00000000-0000-4000-8000-${String(j).padStart(12, '0')}`, key, lexicalEmbedder.id, e.bucket, canonicalJson(e.vector)]);
        }
        await store.handle.pool.query(
          `INSERT INTO request_vectors (task_id, settings_hash, embedder, bucket, vector, created_at) VALUES ${rows.map(() => '(?, ?, ?, ?, ?, UTC_TIMESTAMP(3))').join(', ')}`,
          rows.flat(),
        );
      }
      const insertSec = round((performance.now() - started) / 1000, 1);
      opts.log(`reuse: ${opts.stored} request vectors stored in ${insertSec} s`);
      await store.handle.pool.query('ANALYZE TABLE request_vectors');

      const threshold = DEFAULTS.reuseSimilarity;
      const times: number[] = [];
      let hits = 0;
      for (let i = 0; i < opts.lookups; i++) {
        const stored = i % 2 === 0;
        const text = stored ? texts[Math.floor(random() * texts.length)]! : `${words[Math.floor(random() * words.length)]} ${words[Math.floor(random() * words.length)]} unheard${i}`;
        const t0 = performance.now();
        const query = lexicalVector(text);
        const candidates = await store.requestCandidates(key, lexicalEmbedder.id, query.bucket, REUSE_CANDIDATE_LIMIT);
        const best = Math.max(0, ...candidates.map((c) => cosine(query.vector, c.vector)));
        times.push(performance.now() - t0);
        if (best >= threshold) hits++;
      }

      const pairs = JSON.parse(readFileSync(path.join(ROOT, 'test/fixtures/reuse/pairs.json'), 'utf8')) as Pairs;
      const same = ([a, b]: [string, string]) => {
        const [x, y] = [lexicalVector(a), lexicalVector(b)];
        return x.bucket === y.bucket && cosine(x.vector, y.vector) >= threshold;
      };
      const missed = pairs.paraphrases.filter((p) => !same(p));
      const falsePositives = pairs.near_misses.filter((p) => same(p));
      const tp = pairs.paraphrases.length - missed.length;
      return {
        stored: opts.stored,
        lookups: opts.lookups,
        server: version.text,
        vectorIndex: version.hasVector ? 'the server has VECTOR, not used yet: exact comparison in the bucket' : 'none (no VECTOR type before MariaDB 11.7): exact comparison in the bucket',
        insertSec,
        lookupMs: { p50: round(percentile(times, 50)!, 2), p99: round(percentile(times, 99)!, 2), max: round(Math.max(...times), 2) },
        hits,
        threshold,
        pairs: {
          paraphrases: pairs.paraphrases.length, nearMisses: pairs.near_misses.length, truePositives: tp, falsePositives: falsePositives.length, falseNegatives: missed.length,
          precision: tp + falsePositives.length === 0 ? null : round(tp / (tp + falsePositives.length), 3), recall: round(tp / pairs.paraphrases.length, 3),
        },
        falsePositives,
        missed,
      };
    } finally {
      await store.close();
    }
  } finally {
    await env.cleanup();
  }
}
