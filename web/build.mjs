// Builds the playground's web client into internal/playground/dist, which
// the Go binary embeds (go:embed): `make web` runs it. The output is
// committed, so `make run` needs neither npm nor the network.
import { build } from 'esbuild';
import { copyFile, mkdir, readdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '..', 'internal', 'playground', 'dist');

await mkdir(out, { recursive: true });
for (const f of await readdir(out)) {
  await rm(join(out, f), { recursive: true, force: true });
}
await build({
  entryPoints: { app: join(here, 'src', 'main.jsx') },
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['es2022'],
  jsx: 'automatic',
  loader: { '.js': 'jsx' },
  define: { 'process.env.NODE_ENV': '"production"' },
  legalComments: 'linked',
  outdir: out,
  logLevel: 'info',
});
await copyFile(join(here, 'index.html'), join(out, 'index.html'));
// The composer's slash commands and usage hints come from the Slack app's
// manifest; the Go side reads this copy (a test checks it is current).
await copyFile(join(here, '..', 'manifest.yaml'), join(out, 'manifest.yaml'));
