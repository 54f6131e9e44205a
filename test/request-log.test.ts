// Per-request log lines: written at debug level, left out (with their hook) at info.
import { Writable } from 'node:stream';
import t from 'tap';
import { buildApp } from '../server/app.ts';
import { openTempLog } from './support/temp-log.ts';

function logLines(level: string) {
  const lines: { msg?: string; status?: number; url?: string }[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  return { lines, logger: { level, stream } };
}

t.test('debug logs each request with its status; info does not', async (t) => {
  const log = openTempLog(t);
  for (const [level, expected] of [
    ['debug', 1],
    ['info', 0],
  ] as const) {
    const { lines, logger } = logLines(level);
    const app = buildApp(log, { logger });
    t.teardown(() => app.close());
    const response = await app.inject({ method: 'GET', url: '/healthz' });
    t.equal(response.statusCode, 200);
    const completed = lines.filter((line) => line.msg === 'request completed');
    t.equal(completed.length, expected, `${level}: ${expected} request line`);
    if (expected === 1) t.match(completed[0], { url: '/healthz', status: 200 });
  }
});
