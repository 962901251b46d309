import { SlotflowError } from '../../core/errors.ts';

/** Why an article was refused. Each is bad input: retrying cannot help. */

export type ArticleErrorCode = 'article-empty' | 'article-binary' | 'article-too-long';

export abstract class ArticleError extends SlotflowError {
  declare readonly code: ArticleErrorCode;
  constructor(message: string, code: ArticleErrorCode, options?: ErrorOptions) {
    super(message, { code, retryable: false, cause: options?.cause });
  }
}

/** Nothing to narrate once markup, code and control characters are stripped. */
export class EmptyArticleError extends ArticleError {
  override name = 'EmptyArticleError';
  constructor(readonly format: 'markdown' | 'html' | 'text') {
    super(`the article has no text to narrate (format ${format})`, 'article-empty');
  }
}

export type BinaryReason = 'nul-bytes' | 'control-characters' | 'invalid-utf8';

/** The input is not text: NUL bytes, mostly control characters, or bytes that are not UTF-8. */
export class BinaryArticleError extends ArticleError {
  override name = 'BinaryArticleError';
  constructor(
    readonly reason: BinaryReason,
    options?: ErrorOptions,
  ) {
    super(`the article is not text (${reason.replace('-', ' ')})`, 'article-binary', options);
  }
}

/** Longer than the pipeline accepts; `measured` says whether the raw input or the stripped text was too long. */
export class ArticleTooLongError extends ArticleError {
  override name = 'ArticleTooLongError';
  constructor(
    readonly length: number,
    readonly limit: number,
    readonly measured: 'input' | 'text',
  ) {
    super(`the article ${measured === 'input' ? 'input' : 'text'} has ${length} characters; the limit is ${limit}`, 'article-too-long');
  }
}

/** A user's script that cannot be rendered: no scenes, too many, or a scene without text. */
export class InvalidScriptError extends SlotflowError {
  override name = 'InvalidScriptError';
  constructor(
    readonly scenes: number,
    readonly maxScenes: number,
  ) {
    super(`a script needs 1 to ${maxScenes} scenes, each with non-empty text`, { code: 'invalid-script' });
  }
}
