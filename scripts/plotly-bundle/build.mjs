// Bundles index.js with the esbuild settings of plotly.js's own build (its esbuild-config.js: iife, global
// `Plotly`, the same plugins, aliases, defines and target) and, like plotly.js's partial bundles, strips the
// attribute documentation (description, hrName, requiredOpts, otherOpts) that only plotly's schema uses.
// Usage: node build.mjs <out.min.js> <header file>
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { build } from 'esbuild';

const require = createRequire(import.meta.url);
const { environmentPlugin } = require('esbuild-plugin-environment');
const { glsl } = require('esbuild-plugin-glsl');
const InlineCSSPlugin = require('esbuild-plugin-inline-css');

const [out, headerFile] = process.argv.slice(2);
if (!out || !headerFile) {
  console.error('usage: node build.mjs <out.min.js> <header file>');
  process.exit(2);
}

// one single-quoted string literal on one line; a documentation value is one, several joined by `+`,
// or an array of them joined with .join(' '); a value built from code (`+ opts.x`) is left as it is
const STRING = "'(?:[^'\\\\\\n]|\\\\.)*'";
const NOT_CONTINUED = '(?!\\s*\\+)';
const DOCUMENTATION = [
  new RegExp(`\\b(?:description|hrName):\\s*${STRING}(?:\\s*\\+\\s*${STRING})*${NOT_CONTINUED},?`, 'g'),
  new RegExp(`\\bdescription:\\s*\\[[\\s\\S]*?\\]\\s*\\.join\\(\\s*${STRING}\\s*\\)${NOT_CONTINUED},?`, 'g'),
  new RegExp('\\b(?:requiredOpts|otherOpts):\\s*\\[[\\s\\S]*?\\],?', 'g'),
];

const stripDocumentation = {
  name: 'strip-attribute-documentation',
  setup(builder) {
    builder.onLoad({ filter: /plotly\.js[\\/]src[\\/].*\.js$/ }, async (args) => {
      let text = await fs.promises.readFile(args.path, 'utf8');
      for (const pattern of DOCUMENTATION) text = text.replace(pattern, '');
      return { contents: text, loader: 'js' };
    });
  },
};

await build({
  entryPoints: ['index.js'],
  outfile: out,
  format: 'iife',
  globalName: 'Plotly',
  bundle: true,
  minify: true,
  sourcemap: false,
  banner: { js: fs.readFileSync(headerFile, 'utf8').trimEnd() },
  plugins: [InlineCSSPlugin(), glsl({ minify: true }), environmentPlugin({ NODE_DEBUG: false }), stripDocumentation],
  alias: { regl: '@plotly/regl', stream: 'stream-browserify' },
  define: { global: 'window', 'define.amd': 'false' },
  target: 'es2016',
  logLevel: 'warning',
});
