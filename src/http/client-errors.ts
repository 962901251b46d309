import type { Socket } from 'node:net';

/**
 * Requests that Node's HTTP parser refuses before fastify sees them (a request line or headers over
 * `--max-http-header-size`, 16 KiB by default; bytes that are not HTTP), answered in the API's error shape
 * `{ "error": { "code", "message" } }` and never with any of the input. The request line is told apart from
 * the headers by where the overflow is: a first line longer than `MAX_URL_CHARS`, or one that never ends in
 * what arrived, is the URL's fault (414), anything else the headers' (431).
 *
 * A URL longer than `MAX_URL_CHARS` that still fits the parser's limit is refused by `longUrlRefusal`, so
 * the limit is the same whatever the headers weigh.
 */

export const MAX_URL_CHARS = 8192;

interface ClientRefusal {
  status: number;
  reason: string;
  code: string;
  message: string;
}

const URI_TOO_LONG: ClientRefusal = { status: 414, reason: 'URI Too Long', code: 'uri-too-long', message: `the request URL is longer than ${MAX_URL_CHARS} characters` };
const HEADERS_TOO_LARGE: ClientRefusal = {
  status: 431, reason: 'Request Header Fields Too Large', code: 'headers-too-large', message: 'the request headers are larger than the server accepts',
};
const BAD_REQUEST: ClientRefusal = { status: 400, reason: 'Bad Request', code: 'bad-request', message: 'the request is not valid HTTP' };

/** What Node's parser hands the handler: its error code, and the bytes it was reading. */
interface ParserError extends Error {
  code?: string;
  rawPacket?: unknown;
}

function refusalFor(err: ParserError): ClientRefusal {
  if (err.code !== 'HPE_HEADER_OVERFLOW') return BAD_REQUEST;
  const end = Buffer.isBuffer(err.rawPacket) ? err.rawPacket.indexOf('\n') : -1;
  return end < 0 || end > MAX_URL_CHARS ? URI_TOO_LONG : HEADERS_TOO_LARGE;
}

/** fastify's `clientErrorHandler`: one JSON answer, then the connection closes. */
export function answerClientError(err: ParserError, socket: Socket): void {
  // A peer that reset or timed out the connection hears nothing more.
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const refusal = refusalFor(err);
  const body = JSON.stringify({ error: { code: refusal.code, message: refusal.message } });
  socket.end(
    `HTTP/1.1 ${refusal.status} ${refusal.reason}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** The refusal of a URL the parser let through that is still over `MAX_URL_CHARS`; undefined for one within it. */
export function longUrlRefusal(url: string): Omit<ClientRefusal, 'reason'> | undefined {
  return url.length > MAX_URL_CHARS ? URI_TOO_LONG : undefined;
}
