/** The public entries measured: label → exported name (`*` for the whole package). */
export declare const ENTRIES: Record<string, string>
/** Regression guard per entry, bytes of min+gzip (the figure last recorded + 5 %). */
export declare const GUARD: Record<string, number>
/** Size goals per entry, bytes of min+gzip (reported by `npm run bench`). */
export declare const GOALS: Record<string, number>
/** Bundles `contents` (an ES module) as Workers/browsers get it; raw, gzip -9 and brotli -11 bytes. */
export declare const measure: (
  contents: string,
) => Promise<{ raw: number; gzip: number; brotli: number }>
/** Minified bytes per source module of one entry. */
export declare const breakdown: (name: string) => Promise<Record<string, number>>
/** Every entry measured from dist/. */
export declare const sizes: () => Promise<
  Record<string, { raw: number; gzip: number; brotli: number }>
>
/** The Markdown size report. */
export declare const report: () => Promise<{
  rows: Record<string, { raw: number; gzip: number; brotli: number }>
  markdown: string
}>
