/**
 * The flow file as authors write it (docs/flows.md). The original field names are kept
 * as written; everything after `depends` is a slotflow extension.
 */

export type ComponentKind = 'job' | 'callback' | 'approval' | 'fanout';

/** A single-bit mask as written: a JSON number, or a decimal or `0x` string. */
export type MaskLiteral = number | string;

export type WhenValue = string | number | boolean | null;

export interface RetrySpec {
  attempts?: number;
  backoff_ms?: number;
}

export interface FanOutSpec {
  flow: string;
  over: string;
}

export interface ComponentSpec {
  component_name: string;
  slot_index: number;
  slot_num_success?: MaskLiteral;
  slot_num_fail?: MaskLiteral;
  depends: string[];
  handler?: string;
  kind?: ComponentKind;
  retry?: RetrySpec;
  timeout_ms?: number;
  when?: Record<string, WhenValue | WhenValue[]>;
  fan_out?: FanOutSpec;
  params?: Record<string, unknown>;
  /** Role → the name of the component that provides it. */
  inputs?: Record<string, string>;
  /** The queue family that serves the component (job components only); default: the flow's `queue`. */
  queue?: string;
}

export interface ModuleSpec {
  module_name: string;
  status: string;
  next_status: string;
  components: ComponentSpec[];
}

export interface FlowDocument {
  $schema?: string;
  flow: string;
  version?: number;
  description?: string;
  /** The queue family of the flow's job components that name none; default `default`. */
  queue?: string;
  modules: ModuleSpec[];
}
