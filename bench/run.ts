// `npm run bench -- <name>...`: runs the named benchmarks (all when none is named). Each prints its
// figures next to a baseline measured in the same run on this machine.
const benchmarks: Record<string, () => Promise<unknown>> = {
  log: () => import('./log.ts').then((m) => m.run()),
  http: () => import('./http.ts').then((m) => m.run()),
  hash: () => import('./hash.ts').then((m) => m.run()),
};

const names = process.argv.slice(2);
for (const name of names) {
  if (!(name in benchmarks)) {
    console.error(`unknown benchmark "${name}"; known: ${Object.keys(benchmarks).join(', ')}`);
    process.exit(2);
  }
}
for (const name of names.length > 0 ? names : Object.keys(benchmarks)) await benchmarks[name]();
