export * from './article.ts';
export * from './errors.ts';
export { type ArticleLanguage, detectLanguage, displayWidth, joinText } from './language.ts';
export * from './script.ts';
export * from './sentences.ts';
export * from './understand.ts';
