/** Regression guard for `import { assumeRole }`, bytes of min+gzip. */
export declare const BUDGET: number
/** Bundles `contents` (an ES module) as Workers/browsers get it; raw, gzip -9 and brotli -11 bytes. */
export declare const measure: (
  contents: string,
) => Promise<{ raw: number; gzip: number; brotli: number }>
