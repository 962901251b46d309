/** The ledger of files components made or reused, per task and scene. */

export interface AssetRecord {
  taskId: string;
  component: string;
  scene: number | null;
  kind: string;
  provider: string;
  hash: string;
  path: string;
  bytes: number;
  latencyMs: number;
  /** US dollars, where the provider reported what it cost; null or absent otherwise. */
  costUsd?: number | null;
  /** Found in the store instead of made again. */
  reused: boolean;
  /** The asset graph (product creative): `sha256:<hash>` of assets it was made from, or `snapshot:<field>`. */
  inputs?: string[] | null;
  /** The stage that made it, when the handler named one; else the component's name. */
  stage?: string | null;
  /** Scores a check gave it (fidelity). */
  scores?: Record<string, unknown> | null;
}

export type StoredAsset = AssetRecord & { id: number };

export interface AssetLedger {
  recordAssets(assets: readonly AssetRecord[]): Promise<void>;
}

export interface AssetReads {
  listAssets(taskId: string): Promise<StoredAsset[]>;
  getAsset(id: number): Promise<StoredAsset | undefined>;
}

/** What garbage collection asks of the ledger. */
export interface AssetCollection {
  /** Asset paths that no live or completed task uses: only failed, cancelled or abandoned (idle since `abandonedBefore`) ones. */
  unusedAssetPaths(abandonedBefore: Date): Promise<string[]>;
  forgetAssets(paths: readonly string[]): Promise<void>;
}
