/** What ffprobe says about a media file. */
import path from 'node:path';
import type { FfmpegRunner, RunOptions } from './run.ts';

export interface ProbeResult {
  durationSec: number;
  video?: { codec: string; width: number; height: number; fps: number };
  audio?: { codec: string; sampleRate: number; channels: number };
}

interface FfprobeStream {
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  sample_rate?: string;
  channels?: number;
  duration?: string;
}

interface FfprobeOutput {
  format?: { duration?: string };
  streams?: FfprobeStream[];
}

function rate(value: string | undefined): number {
  const [n, d] = (value ?? '0/1').split('/').map(Number);
  return n !== undefined && d ? n / d : 0;
}

/** Duration and the first video and audio stream of a media file, from ffprobe's JSON. */
export async function probe(runner: FfmpegRunner, file: string, options: RunOptions = {}): Promise<ProbeResult> {
  const stdout = await runner.ffprobe(['-print_format', 'json', '-show_format', '-show_streams', path.resolve(file)], options);
  const data = JSON.parse(stdout) as FfprobeOutput;
  const streams = data.streams ?? [];
  const video = streams.find((s) => s.codec_type === 'video');
  const audio = streams.find((s) => s.codec_type === 'audio');
  const durations = [data.format?.duration, ...streams.map((s) => s.duration)].map(Number).filter(Number.isFinite);
  const result: ProbeResult = { durationSec: durations[0] ?? 0 };
  if (video) {
    result.video = {
      codec: video.codec_name ?? 'unknown',
      width: video.width ?? 0,
      height: video.height ?? 0,
      fps: rate(video.avg_frame_rate) || rate(video.r_frame_rate),
    };
  }
  if (audio) {
    result.audio = { codec: audio.codec_name ?? 'unknown', sampleRate: Number(audio.sample_rate ?? 0), channels: audio.channels ?? 0 };
  }
  return result;
}
