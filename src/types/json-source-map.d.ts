declare module 'json-source-map' {
  export interface Location {
    line: number;
    column: number;
    pos: number;
  }
  export interface PointerLocation {
    key?: Location;
    keyEnd?: Location;
    value: Location;
    valueEnd: Location;
  }
  export function parse(text: string): { data: unknown; pointers: Record<string, PointerLocation> };
  const _default: { parse: typeof parse };
  export default _default;
}
