/**
 * Why an article was refused. Each is bad input: retrying cannot help, so a
 * handler should surface these as non-retryable (`retryable` says so without
 * this module depending on the handler layer).
 */

export type ArticleErrorCode = 'EARTICLE_EMPTY' | 'EARTICLE_BINARY' | 'EARTICLE_TOO_LONG';

export abstract class ArticleError extends Error {
  abstract readonly code: ArticleErrorCode;
  readonly retryable = false;
}

/** Nothing to narrate once markup, code and control characters are stripped. */
export class EmptyArticleError extends ArticleError {
  override name = 'EmptyArticleError';
  readonly code = 'EARTICLE_EMPTY';
  constructor(readonly format: 'markdown' | 'html' | 'text') {
    super(`the article has no text to narrate (format ${format})`);
  }
}

export type BinaryReason = 'nul-bytes' | 'control-characters' | 'invalid-utf8';

/** The input is not text: NUL bytes, mostly control characters, or bytes that are not UTF-8. */
export class BinaryArticleError extends ArticleError {
  override name = 'BinaryArticleError';
  readonly code = 'EARTICLE_BINARY';
  constructor(
    readonly reason: BinaryReason,
    options?: ErrorOptions,
  ) {
    super(`the article is not text (${reason.replace('-', ' ')})`, options);
  }
}

/** Longer than the pipeline accepts; `measured` says whether the raw input or the stripped text was too long. */
export class ArticleTooLongError extends ArticleError {
  override name = 'ArticleTooLongError';
  readonly code = 'EARTICLE_TOO_LONG';
  constructor(
    readonly length: number,
    readonly limit: number,
    readonly measured: 'input' | 'text',
  ) {
    super(`the article ${measured === 'input' ? 'input' : 'text'} has ${length} characters; the limit is ${limit}`);
  }
}
