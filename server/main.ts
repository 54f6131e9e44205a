// `npm start`: the log service on an embedded SQLite file, with the defaults of `attestry server`.
// With V8's compile cache on, as the attestry command has it (client-sdk/cli/bin.ts).
import { enableCompileCache } from 'node:module';

enableCompileCache();
const { DEFAULT_DB_PATH, DEFAULT_HOST, DEFAULT_PORT } = await import('./defaults.ts');
const { startServer } = await import('./server.ts');

await startServer({
  dbPath: process.env.ATTESTRY_DB ?? DEFAULT_DB_PATH,
  host: process.env.HOST ?? DEFAULT_HOST,
  port: Number(process.env.PORT ?? DEFAULT_PORT),
});
