// The last step of `npm run build`: bundles the CLI (tsc's dist/cli.js) into one file plus lazily loaded
// chunks (dist/chunks/), written over dist/cli.js. Node 20 spends most of a short command's start-up
// resolving and loading modules one by one (kysely alone is 280 files); bundled, `deal-coach ask` and
// `deal-coach weekly send` start in about half the time (BENCHMARKS.md). The app (`npm start`,
// dist/main.js) is not bundled, nor are PGlite (it loads its WebAssembly from its own package) and
// pg-native (optional, never installed by us). PGlite's worker thread (src/store/pglite-worker.ts) is
// no entry here: the bundled store code starts tsc's dist/store/pglite-worker.js, which loads PGlite and
// its socket server from node_modules.
import { rmSync } from "node:fs";
import { build } from "esbuild";

const dist = new URL("../dist/", import.meta.url).pathname;
// Chunks are named by content hash: an earlier build's would otherwise pile up.
rmSync(`${dist}chunks`, { recursive: true, force: true });

await build({
  entryPoints: [`${dist}cli.js`],
  outdir: dist,
  allowOverwrite: true,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  chunkNames: "chunks/[name]-[hash]",
  external: ["@electric-sql/pglite", "@electric-sql/pglite-socket", "pg-native"],
  // CommonJS dependencies inside an ES module bundle still call require() for Node's built-ins.
  banner: {
    js: "import { createRequire as __dealCoachRequire } from 'node:module'; const require = __dealCoachRequire(import.meta.url);",
  },
  sourcemap: true,
  logLevel: "warning",
});
