import { SlotflowError } from '../core/errors.ts';

/** A non-loopback address without SLOTFLOW_API_TOKEN: the API would be open to anyone who reaches it. */
export class UnsafeBindError extends SlotflowError {
  override name = 'UnsafeBindError';
  constructor(readonly addr: string) {
    super(`refusing to serve on ${addr} without SLOTFLOW_API_TOKEN (only a loopback address may go without one)`, { code: 'unsafe-bind' });
  }
}

/** Another process listens on the address: the service would run without its API, so it does not run at all. */
export class AddressInUseError extends SlotflowError {
  override name = 'AddressInUseError';
  constructor(readonly addr: string, cause: unknown) {
    super(`${addr} is in use (SLOTFLOW_HTTP_ADDR)`, { code: 'address-in-use', cause });
  }
}
