/**
 * Why a local speech engine produced no audio. Only a failed run may go
 * better the next time (a timeout, a crash); a missing engine or voice, or
 * nothing to say, stays so.
 */
export type SpeechErrorCode = 'speech-unavailable' | 'speech-empty-text' | 'unknown-voice' | 'speech-failed';

export function isRetryableSpeechCode(code: SpeechErrorCode): boolean {
  return code === 'speech-failed';
}
