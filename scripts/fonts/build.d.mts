// Types of build.mjs (plain JavaScript so that it runs with node alone), for the tests that check the
// committed font modules against their BDF files.
export declare const FONT_DIR: string;
export declare const SIZES: string[];
export declare const CODE_POINTS: [number, number][];
export interface BdfCells {
  name: string;
  fontName: string;
  copyright: string | undefined;
  width: number;
  height: number;
  ascent: number;
  rowBytes: number;
  glyphs: Map<number, Uint8Array>;
}
export declare function readBdf(file: string): Promise<BdfCells>;
export declare function fontModule(file: string): Promise<string>;
export declare function modulePath(size: string): string;
export declare function bdfPath(size: string): string;
