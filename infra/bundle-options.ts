/**
 * How SST v4 bundles a Node function when it deploys (`sst deploy`, not `sst dev`), written once so
 * the bundle test and the bench measure what Lambda runs. Read from SST's Node runtime builder,
 * `pkg/runtime/node/build.go` of github.com/sst/sst (the Go side of the `sst` binary; the platform's
 * `src/components/aws/function.ts` only passes `nodejs` properties to it): ESM, Node platform,
 * target esnext, main fields module then main, names kept, `sharp` and `pg-native` external, the
 * `require`/`__filename`/`__dirname` banner, no source map, and minified (the `nodejs.minify`
 * default, which infra/functions.ts leaves as is). The binary embeds esbuild 0.27.2, the root
 * devDependency.
 */
import type { BuildOptions } from "esbuild";

/** Packages SST never bundles (its `forceExternal`). */
export const SST_FORCE_EXTERNAL = ["sharp", "pg-native"] as const;

/** SST's banner for ESM output: CommonJS dependencies still find `require`, `__filename`, `__dirname`. */
export const SST_ESM_BANNER = [
  `import { createRequire as topLevelCreateRequire } from 'module';`,
  "const require = topLevelCreateRequire(import.meta.url);",
  `import { fileURLToPath as topLevelFileUrlToPath, URL as topLevelURL } from "url"`,
  "const __filename = topLevelFileUrlToPath(import.meta.url)",
  `const __dirname = topLevelFileUrlToPath(new topLevelURL(".", import.meta.url))`,
  "",
].join("\n");

/** The esbuild options of a deployed function, without its entry point and output. */
export const SST_BUNDLE_OPTIONS = {
  platform: "node",
  format: "esm",
  target: "esnext",
  mainFields: ["module", "main"],
  keepNames: true,
  bundle: true,
  splitting: false,
  sourcemap: false,
  minifyWhitespace: true,
  minifySyntax: true,
  minifyIdentifiers: true,
  external: [...SST_FORCE_EXTERNAL],
  banner: { js: SST_ESM_BANNER },
} as const satisfies BuildOptions;
