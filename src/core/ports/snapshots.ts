/**
 * Job snapshots: each product-creative request (product creation, output generation, retry) as it was
 * validated, written once and never updated. A product or output runs only from its snapshot.
 */

export interface NewSnapshot {
  /** `<name>/<version>`, e.g. `product-creation/1`. */
  contract: string;
  /** The product or output (task) id it made or retried. */
  subject: string;
  /** The product an output's snapshot belongs to; null for a product's own. */
  parent: string | null;
  body: unknown;
  /** sha256 of the body's canonical JSON. */
  sha256: string;
}

export interface StoredSnapshot extends NewSnapshot {
  id: number;
  createdAt: Date;
}

export interface Snapshots {
  saveSnapshot(snapshot: NewSnapshot): Promise<StoredSnapshot>;
  /** A subject's snapshots, oldest first. */
  listSnapshots(subject: string): Promise<StoredSnapshot[]>;
  /** The snapshots whose parent is `parent` (a product's outputs'), oldest first. */
  listSnapshotsUnder(parent: string): Promise<StoredSnapshot[]>;
}
