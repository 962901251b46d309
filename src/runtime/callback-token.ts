import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Callback tokens: what an external service presents on
 * `POST /v1/callbacks/:token`. A token names the task, the component and the
 * attempt it answers for, and when it expires, and is signed with
 * HMAC-SHA256 under the deployment's callback secret. A forged or altered
 * token fails the signature; an answer for an attempt that was already
 * answered or superseded (a replay) is refused by the completion path.
 *
 * Format: base64url(JSON payload) "." base64url(HMAC-SHA256(secret, first part)).
 */

export interface CallbackClaims {
  /** task id */
  t: string;
  /** component */
  c: string;
  /** attempt */
  a: number;
  /** expiry, ms since the epoch */
  e: number;
  /** The answer's protocol: absent for slotflow's own `{ status, output?, error? }`, `prediction` for a prediction webhook. */
  p?: CallbackProtocol;
}

export const CallbackProtocol = { answer: 'answer', prediction: 'prediction' } as const;
export type CallbackProtocol = (typeof CallbackProtocol)[keyof typeof CallbackProtocol];

export const TokenProblem = { malformed: 'malformed-token', forged: 'invalid-signature', expired: 'expired-token' } as const;
export type TokenProblem = (typeof TokenProblem)[keyof typeof TokenProblem];

export function newCallbackSecret(): string {
  return randomBytes(32).toString('base64url');
}

function mac(secret: string, data: string): Buffer {
  return createHmac('sha256', secret).update(data).digest();
}

export function signToken(claims: CallbackClaims, secret: string): string {
  const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${body}.${mac(secret, body).toString('base64url')}`;
}

export function verifyToken(token: string, secret: string, now = Date.now()): CallbackClaims | { problem: TokenProblem } {
  const parts = token.split('.');
  if (parts.length !== 2 || !parts[0] || !parts[1]) return { problem: TokenProblem.malformed };
  const [body, signature] = parts as [string, string];
  const given = Buffer.from(signature, 'base64url');
  const expected = mac(secret, body);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { problem: TokenProblem.forged };
  let claims: CallbackClaims;
  try {
    claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as CallbackClaims;
  } catch {
    return { problem: TokenProblem.malformed };
  }
  if (typeof claims.t !== 'string' || typeof claims.c !== 'string' || !Number.isInteger(claims.a) || typeof claims.e !== 'number'
    || (claims.p !== undefined && claims.p !== CallbackProtocol.prediction)) {
    return { problem: TokenProblem.malformed };
  }
  if (claims.e < now) return { problem: TokenProblem.expired };
  return claims;
}
