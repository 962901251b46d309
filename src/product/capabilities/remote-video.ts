import type { MadeAsset, RemoteAdapterOptions, VideoCapability, VideoRequest } from './index.ts';
import { dataUri, predictOne } from './remote-common.ts';

/** A clip from a hosted model. Input: `{ prompt, duration, width, height, seed?, image? }` (`image`: a data URI of the still to animate). */
export class RemoteVideo implements VideoCapability {
  readonly name: string;
  constructor(private readonly options: RemoteAdapterOptions) {
    this.name = options.client.provider;
  }

  async clip(request: VideoRequest, signal?: AbortSignal): Promise<MadeAsset> {
    const input: Record<string, unknown> = { prompt: request.prompt, duration: request.duration_s, width: request.width, height: request.height };
    if (request.seed !== undefined) input.seed = request.seed;
    if (request.image) input.image = await dataUri(request.image);
    return predictOne(this.options, input, '.mp4', signal);
  }
}
