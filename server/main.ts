// `npm start`: the log service on an embedded SQLite file, with the defaults of `attestry server`.
import { DEFAULT_DB_PATH, DEFAULT_HOST, DEFAULT_PORT } from './defaults.ts';
import { startServer } from './server.ts';

await startServer({
  dbPath: process.env.ATTESTRY_DB ?? DEFAULT_DB_PATH,
  host: process.env.HOST ?? DEFAULT_HOST,
  port: Number(process.env.PORT ?? DEFAULT_PORT),
});
