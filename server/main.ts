// `npm start`: `attestry server`, with PORT, HOST and ATTESTRY_DB as its --port, --host and --db;
// flags after `npm start --` come later and win. Only here: a CLI user's shell may export HOST
// (csh does, as the machine's name), which must not move `attestry server` off loopback.
const flags: [string, string | undefined][] = [
  ['--db', process.env.ATTESTRY_DB],
  ['--host', process.env.HOST],
  ['--port', process.env.PORT],
];
const fromEnvironment = flags.flatMap(([flag, value]) => (value ? [flag, value] : []));
process.argv.splice(2, 0, 'server', ...fromEnvironment);
await import('../client-sdk/cli/bin.ts');
