import type { LipSyncCapability, LipSyncRequest, MadeAsset, RemoteAdapterOptions } from './index.ts';
import { dataUri, predictOne } from './remote-common.ts';

/** A talking clip from a hosted lip-sync model. Input: `{ face, audio }`, both data URIs. */
export class RemoteLipSync implements LipSyncCapability {
  readonly name: string;
  constructor(private readonly options: RemoteAdapterOptions) {
    this.name = options.client.provider;
  }

  async sync(request: LipSyncRequest, signal?: AbortSignal): Promise<MadeAsset> {
    const input = { face: await dataUri(request.face), audio: await dataUri(request.audio) };
    return predictOne(this.options, input, '.mp4', signal);
  }
}
