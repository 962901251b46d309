import type { ImageCapability, ImageRequest, MadeAsset, RemoteAdapterOptions } from './index.ts';
import { dataUri, predictOne } from './remote-common.ts';

/**
 * An image from a hosted model. Input: `{ prompt, width, height, seed?, image? }`, where `image` is the product's
 * neutral image as a data URI (`data:image/png;base64,…`): the model keeps the product and paints the scene.
 */
export class RemoteImage implements ImageCapability {
  readonly name: string;
  constructor(private readonly options: RemoteAdapterOptions) {
    this.name = options.client.provider;
  }

  async compose(request: ImageRequest, signal?: AbortSignal): Promise<MadeAsset> {
    const input: Record<string, unknown> = { prompt: request.prompt, width: request.width, height: request.height };
    if (request.seed !== undefined) input.seed = request.seed;
    if (request.neutral) input.image = await dataUri(request.neutral.path);
    return predictOne(this.options, input, '.png', signal);
  }
}
