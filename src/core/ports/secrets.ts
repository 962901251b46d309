/** Secrets shared by every process of a deployment (callback and webhook signing keys). */
export interface Secrets {
  /** The named secret, created with `generate()` by the first process that asks. */
  secret(name: string, generate: () => string): Promise<string>;
}
