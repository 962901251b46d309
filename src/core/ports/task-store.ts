import type { AssetCollection, AssetLedger, AssetReads } from './assets.ts';
import type { Attempts } from './attempts.ts';
import type { FlowVersions } from './flow-versions.ts';
import type { TaskReadModel } from './read-model.ts';
import type { Rejections } from './rejections.ts';
import type { RequestVectors, ReusedTasks } from './request-vectors.ts';
import type { Secrets } from './secrets.ts';
import type { Snapshots } from './snapshots.ts';
import type { TaskHistory } from './task-history.ts';
import type { IdleTasks, TaskState } from './task-state.ts';

/**
 * Everything a back end's store provides, one concern per interface. Only the
 * composition root (and tests of a store itself) hold the whole; every other
 * consumer names the narrow interfaces it uses.
 */
export interface TaskStore
  extends TaskState, Attempts, TaskReadModel, AssetLedger, AssetReads, AssetCollection, FlowVersions, Secrets, Rejections, IdleTasks, RequestVectors, ReusedTasks,
    TaskHistory, Snapshots {
  close(): Promise<void>;
}
