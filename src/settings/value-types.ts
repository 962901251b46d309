/**
 * How one setting's text becomes a value. Each type says what it accepts in
 * words, for the error a bad value gets and for `slotflow config` and the docs.
 */

export interface ValueType<T> {
  /** What the type accepts, e.g. "a whole number of at least 1". */
  readonly accepts: string;
  /** Throws `InvalidValue` naming the problem. */
  parse(raw: string): T;
  /** The value as `config` prints it; default `String(value)`. */
  show?(value: T): string;
  /** The value with any secret part inside it masked (a URL's password). */
  redact?(value: T): T;
}

/** A value's problem, without the variable: `compileSettings` adds that. */
export class InvalidValue extends Error {
  override name = 'InvalidValue';
}

export const positiveInteger: ValueType<number> = {
  accepts: 'a whole number of at least 1',
  parse(raw) {
    if (!/^\d+$/.test(raw)) throw new InvalidValue('is not a whole number');
    const n = Number(raw);
    if (!Number.isSafeInteger(n)) throw new InvalidValue('is too large');
    if (n < 1) throw new InvalidValue('is less than 1');
    return n;
  },
};

const DURATION_UNITS_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds; a bare number is milliseconds, as every `_MS` variable has always read. */
export const duration: ValueType<number> = {
  accepts: 'a duration: milliseconds (1500) or a number with ms, s, m or h (1.5s, 15m)',
  parse(raw) {
    const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/.exec(raw);
    if (!m) throw new InvalidValue('is not a duration');
    const ms = Math.round(Number(m[1]) * DURATION_UNITS_MS[m[2] ?? 'ms']!);
    if (!Number.isSafeInteger(ms)) throw new InvalidValue('is too long');
    if (ms < 1) throw new InvalidValue('is shorter than 1 ms');
    return ms;
  },
  show: (ms) => `${ms} ms`,
};

const FLAG_WORDS: Readonly<Record<string, boolean>> = { 1: true, true: true, yes: true, on: true, 0: false, false: false, no: false, off: false };

export const flag: ValueType<boolean> = {
  accepts: '1, true, yes or on; 0, false, no or off',
  parse(raw) {
    const value = FLAG_WORDS[raw.toLowerCase()];
    if (value === undefined) throw new InvalidValue('is not a yes or no');
    return value;
  },
};

/** A share from 0 to 1, such as a similarity threshold. */
export const fraction: ValueType<number> = {
  accepts: 'a number from 0 to 1 (0.98)',
  parse(raw) {
    if (!/^(?:0|1)(?:\.\d+)?$|^\.\d+$/.test(raw)) throw new InvalidValue('is not a number from 0 to 1');
    const n = Number(raw);
    if (n > 1) throw new InvalidValue('is more than 1');
    return n;
  },
};

export function oneOf<T extends string>(values: readonly T[]): ValueType<T> {
  return {
    accepts: `one of ${values.join(', ')}`,
    parse(raw) {
      if (!(values as readonly string[]).includes(raw)) throw new InvalidValue('is not one of the choices');
      return raw as T;
    },
  };
}

function protocolsText(protocols: readonly string[]): string {
  return protocols.map((p) => `${p}//`).join(' or ');
}

function parseUrl(raw: string, protocols: readonly string[]): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new InvalidValue('is not a URL');
  }
  if (!protocols.includes(url.protocol)) throw new InvalidValue(`has the scheme ${url.protocol}//`);
  if (!url.hostname) throw new InvalidValue('names no host');
  return url;
}

/** A URL's password, when it has one, is never shown. */
function redactUrl(raw: string): string {
  try {
    const url = new URL(raw);
    if (!url.password) return raw;
    url.password = '****';
    return url.toString();
  } catch {
    return raw;
  }
}

export function url(protocols: readonly string[]): ValueType<string> {
  return {
    accepts: `a URL starting with ${protocolsText(protocols)}`,
    parse(raw) {
      parseUrl(raw, protocols);
      return raw;
    },
    redact: redactUrl,
  };
}

export function urlList(protocols: readonly string[]): ValueType<string[]> {
  return {
    accepts: `one or more URLs starting with ${protocolsText(protocols)}, comma-separated`,
    parse(raw) {
      const urls = raw.split(',').map((u) => u.trim()).filter(Boolean);
      if (urls.length === 0) throw new InvalidValue('names no URL');
      for (const u of urls) parseUrl(u, protocols);
      return urls;
    },
    show: (urls) => urls.join(','),
    redact: (urls) => urls.map(redactUrl),
  };
}

/** HOST:PORT; an IPv6 host in brackets. Port 0 lets the system choose. */
export const address: ValueType<string> = {
  accepts: 'HOST:PORT (127.0.0.1:8080, [::1]:8080, 0.0.0.0:80)',
  parse(raw) {
    const m = /^(\[[^\]]+\]|[^:[\]\s]+):(\d+)$/.exec(raw);
    if (!m) throw new InvalidValue('is not HOST:PORT');
    if (Number(m[2]) > 65535) throw new InvalidValue('has a port above 65535');
    return raw;
  },
};

export const text: ValueType<string> = {
  accepts: 'any text',
  parse: (raw) => raw,
};

export const directory: ValueType<string> = {
  accepts: 'a directory path',
  parse: (raw) => raw,
};

export const file: ValueType<string> = {
  accepts: 'a file path',
  parse: (raw) => raw,
};

/** A Redis key prefix; wrapped in braces unless it has a hash tag, so a cluster keeps one queue's keys on one node. */
export const keyPrefix: ValueType<string> = {
  accepts: 'a Redis key prefix, e.g. {slotflow} (braces are added when it has no {hash tag})',
  parse(raw) {
    if (/\s/.test(raw)) throw new InvalidValue('contains white space');
    return /\{[^}]+\}/.test(raw) ? raw : `{${raw}}`;
  },
};
