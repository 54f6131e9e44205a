// `npm run build` (and prepack): the JavaScript package pipelines install. Node will not strip
// types under node_modules, so the published files are tsc's emit (imports rewritten to .js,
// .d.ts beside them), plus the files read at run time, under dist/.
import { execFileSync } from 'node:child_process';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const dist = join(root, 'dist');
rmSync(dist, { recursive: true, force: true });
execFileSync(join(root, 'node_modules/.bin/tsc'), ['-p', join(root, 'tsconfig.build.json')], {
  stdio: 'inherit',
});
cpSync(join(root, 'migrations'), join(dist, 'migrations'), { recursive: true });
cpSync(join(root, 'schemas'), join(dist, 'schemas'), { recursive: true });

// The emitted code imports "#platform-*" and reads package.json two folders up, as the sources
// do; Node resolves both through the nearest package.json, so dist/ gets its own, pointing at .js.
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const toJs = (target: string) => target.replace(/\.ts$/, '.js');
const imports = Object.fromEntries(
  Object.entries(manifest.imports as Record<string, Record<string, string>>).map(
    ([name, conditions]) => [
      name,
      Object.fromEntries(Object.entries(conditions).map(([c, target]) => [c, toJs(target)])),
    ],
  ),
);
const { name, version, description, license } = manifest;
writeFileSync(
  join(dist, 'package.json'),
  `${JSON.stringify({ name, version, description, license, type: 'module', imports }, null, 2)}\n`,
);
