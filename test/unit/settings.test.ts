import { expect } from 'chai';
import { compileSettings, resolveSettings, SettingsError, startupLogLevel } from '../../src/settings/compile.ts';
import { DEFAULTS, SETTINGS } from '../../src/settings/table.ts';

function failure(env: NodeJS.ProcessEnv): SettingsError {
  try {
    compileSettings(env);
  } catch (e) {
    if (e instanceof SettingsError) return e;
    throw e;
  }
  throw new Error('compileSettings accepted the environment');
}

describe('compileSettings', () => {
  it('gives the defaults for an empty environment, each from the default source', () => {
    const { settings, sources } = resolveSettings({});
    expect(settings).to.deep.equal(DEFAULTS);
    expect(new Set(Object.values(sources))).to.deep.equal(new Set(['default']));
  });

  it('treats an empty variable as unset', () => {
    const { settings, sources } = resolveSettings({ SLOTFLOW_WORKER_CONCURRENCY: '', SLOTFLOW_API_TOKEN: '' });
    expect(settings.workerConcurrency).to.equal(DEFAULTS.workerConcurrency);
    expect(settings.apiToken).to.equal(undefined);
    expect(sources.workerConcurrency).to.equal('default');
  });

  it('reads durations as milliseconds, bare or with a unit', () => {
    const s = compileSettings({ SLOTFLOW_SWEEP_IDLE_MS: '1500', SLOTFLOW_JOB_LOCK_MS: '1.5s', SLOTFLOW_CALLBACK_TIMEOUT_MS: '15m', SLOTFLOW_TOKEN_GRACE_MS: '1h' });
    expect([s.sweepIdleMs, s.jobLockMs, s.callbackTimeoutMs, s.tokenGraceMs]).to.deep.equal([1500, 1500, 900_000, 3_600_000]);
  });

  it('derives the public URL from the HTTP address unless it is set', () => {
    expect(compileSettings({ SLOTFLOW_HTTP_ADDR: '0.0.0.0:9000' }).publicUrl).to.equal('http://0.0.0.0:9000');
    expect(compileSettings({ SLOTFLOW_HTTP_ADDR: '0.0.0.0:9000', SLOTFLOW_PUBLIC_URL: 'https://video.example.com' }).publicUrl).to.equal('https://video.example.com');
  });

  it('hash-tags a queue prefix that has no hash tag and keeps one that has', () => {
    expect(compileSettings({ SLOTFLOW_QUEUE_PREFIX: 'blue' }).queuePrefix).to.equal('{blue}');
    expect(compileSettings({ SLOTFLOW_QUEUE_PREFIX: 'x{blue}' }).queuePrefix).to.equal('x{blue}');
  });

  it('splits a comma-separated list of Redis servers', () => {
    expect(compileSettings({ SLOTFLOW_REDIS_URL: 'redis://a:6379, redis://b:6379,' }).redisUrls).to.deep.equal(['redis://a:6379', 'redis://b:6379']);
  });

  it('reads yes-or-no words for a flag', () => {
    expect(compileSettings({ SLOTFLOW_EDGE_TTS: '1' }).edgeTts).to.equal(true);
    expect(compileSettings({ SLOTFLOW_EDGE_TTS: 'off' }).edgeTts).to.equal(false);
  });

  it('reads the reuse similarity as a number from 0 to 1, 0.98 by default', () => {
    expect(compileSettings({}).reuseSimilarity).to.equal(0.98);
    expect(compileSettings({ SLOTFLOW_REUSE_SIMILARITY: '0.9' }).reuseSimilarity).to.equal(0.9);
    expect(compileSettings({ SLOTFLOW_REUSE_SIMILARITY: '1' }).reuseSimilarity).to.equal(1);
    expect(failure({ SLOTFLOW_REUSE_SIMILARITY: '1.5' }).problem).to.include('more than 1');
    expect(failure({ SLOTFLOW_REUSE_SIMILARITY: '98%' }).problem).to.include('not a number from 0 to 1');
  });

  it('rejects a bad value naming the variable, the problem and what it accepts', () => {
    const e = failure({ SLOTFLOW_SCHEDULER_CONCURRENCY: '2.5' });
    expect(e).to.include({ variable: 'SLOTFLOW_SCHEDULER_CONCURRENCY', code: 'invalid-setting', retryable: false, accepts: SETTINGS.schedulerConcurrency.type.accepts });
    expect(e.message).to.equal('SLOTFLOW_SCHEDULER_CONCURRENCY: "2.5" is not a whole number; it accepts a whole number of at least 1');
  });

  it('rejects a port above 65535, a URL of the wrong scheme and a Redis list with no server', () => {
    expect(failure({ SLOTFLOW_HTTP_ADDR: '127.0.0.1:70000' }).problem).to.include('port above 65535');
    expect(failure({ SLOTFLOW_TTS_BASE_URL: 'ws://tts.local' }).problem).to.include('scheme ws://');
    expect(failure({ SLOTFLOW_REDIS_URL: ' , ' }).problem).to.include('names no URL');
  });

  it('cuts a long bad value short in the message', () => {
    const e = failure({ SLOTFLOW_FANOUT_MAX: 'x'.repeat(500) });
    expect(e.message.length).to.be.below(150);
  });

  it('takes the log level for the logger from the environment, the default when it is bad', () => {
    expect(startupLogLevel({ SLOTFLOW_LOG_LEVEL: 'debug' })).to.equal('debug');
    expect(startupLogLevel({ SLOTFLOW_LOG_LEVEL: 'loud' })).to.equal(DEFAULTS.logLevel);
    expect(failure({ SLOTFLOW_LOG_LEVEL: 'loud' }).variable).to.equal('SLOTFLOW_LOG_LEVEL');
  });
});
