// Bundles the extension (src/extension.ts and everything it imports from node_modules, i.e.
// vscode-languageclient and its dependencies) into the one file dist/extension.js that
// package.json's "main" names. `vscode` is provided by the editor at run time: external.
// esbuild does not type-check: `npm run lint` (tsc) does, and `npm run bundle` runs both.
//
//   node esbuild.mjs               development build: dist/extension.js + source map
//   node esbuild.mjs --production  what goes into the .vsix: no source map, whitespace and
//                                  syntax minified, names kept (readable stack traces)
//   node esbuild.mjs --watch       development build, rebuilt on every change
import * as esbuild from "esbuild";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const production = process.argv.includes("--production");
const watch = process.argv.includes("--watch");
const dist = path.join(here, "dist");

/** Prints esbuild's errors as file:line:col lines (for the editor's problem matcher). */
const reportProblems = {
  name: "report-problems",
  setup(build) {
    build.onEnd((result) => {
      for (const { text, location } of result.errors) {
        console.error(`✘ [ERROR] ${text}`);
        if (location) console.error(`    ${location.file}:${location.line}:${location.column}:`);
      }
      if (watch) console.log(`[watch] build finished${result.errors.length ? " with errors" : ""}`);
    });
  },
};

fs.rmSync(dist, { recursive: true, force: true });
const options = {
  absWorkingDir: here,
  entryPoints: ["src/extension.ts"],
  outfile: "dist/extension.js",
  bundle: true,
  platform: "node",
  format: "cjs",
  // VS Code 1.85 (package.json engines) runs extensions on Node 18.
  target: "node18",
  external: ["vscode"],
  sourcemap: !production,
  sourcesContent: false,
  minifyWhitespace: production,
  minifySyntax: production,
  logLevel: watch ? "silent" : "warning",
  plugins: [reportProblems],
};

if (watch) {
  const context = await esbuild.context(options);
  await context.watch();
} else {
  const result = await esbuild.build({ ...options, metafile: true });
  const bytes = fs.statSync(path.join(dist, "extension.js")).size;
  const inputs = Object.keys(result.metafile.inputs).length;
  console.log(
    `esbuild: dist/extension.js (${(bytes / 1024).toFixed(0)} KiB, ${inputs} modules${production ? ", production" : ""})`,
  );
}
