/**
 * Several output formats behind one entry point: the request says what it
 * wants and the router names the flow. An explicit flow always wins.
 */

export const OutputKind = {
  video: 'article-video',
  script: 'script-video',
  prompt: 'prompt-video',
  fast: 'fast-cut',
  images: 'image-bundle',
} as const;

export interface RouteRequest {
  flow?: string;
  /** Where the result goes: a `.zip` asks for the image bundle. */
  out?: string;
  input: { script?: { scenes?: unknown[] }; prompt?: unknown; options?: { output?: string; style?: string } };
}

export function routeFlow(req: RouteRequest): string {
  if (req.flow) return req.flow;
  const options = req.input.options ?? {};
  if (options.output === 'images' || req.out?.toLowerCase().endsWith('.zip')) return OutputKind.images;
  if (Array.isArray(req.input.script?.scenes)) return OutputKind.script;
  // A prompt has no scenes until a planner writes them: only the prompt flow starts with one.
  if (typeof req.input.prompt === 'string') return OutputKind.prompt;
  if (options.style === 'fast' || options.output === 'fast-cut') return OutputKind.fast;
  return OutputKind.video;
}
