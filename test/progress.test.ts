// The audit's progress bar: drawn only on a terminal, with the label and done/total figures, and
// stopped (cursor shown again, no timer left running) however often stop() is called.
import { Writable } from 'node:stream';
import t from 'tap';
import { progressBar } from '../client-sdk/cli/progress.ts';

/** A stream that records what is written; a terminal 80 columns wide when tty is set. */
function fakeStream(tty: boolean) {
  let written = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      written += chunk.toString();
      done();
    },
  });
  Object.assign(stream, tty ? { isTTY: true, columns: 80 } : {});
  return { stream: stream as unknown as NodeJS.WriteStream, written: () => written };
}

const SHOW_CURSOR = '\x1B[?25h';
const HIDE_CURSOR = '\x1B[?25l';

t.test('nothing at all on a pipe or a file', async (t) => {
  const fake = fakeStream(false);
  t.equal(progressBar('audit', fake.stream), undefined);
  t.equal(fake.written(), '');
  t.equal(progressBar('audit') === undefined, !process.stderr.isTTY, 'stderr by default');
});

t.test('on a terminal: the label, the figures, and a clean stop', async (t) => {
  const fake = fakeStream(true);
  const bar = progressBar('audit', fake.stream);
  if (bar === undefined) throw new Error('no bar on a terminal');
  bar.stop();
  t.equal(fake.written(), '', 'stopping a bar never started writes nothing');

  bar.update(3, 10);
  t.match(fake.written(), /audit \[[^\]]+\] 30% \| 3\/10/, 'the first update draws at once');
  t.match(fake.written(), HIDE_CURSOR);
  bar.update(7, 20);
  bar.stop();
  const stopped = fake.written();
  t.match(stopped, /audit \[[^\]]+\] 35% \| 7\/20/, 'stop draws the last figures');
  const after = stopped.slice(stopped.lastIndexOf('7/20'));
  t.match(after, SHOW_CURSOR, 'then shows the cursor again');
  t.ok(after.endsWith('\n'), 'and ends the line');
  bar.stop();
  t.equal(fake.written(), stopped, 'a second stop writes nothing');

  bar.update(1, 5);
  bar.stop();
  t.match(fake.written().slice(stopped.length), /audit \[[^\]]+\] 20% \| 1\/5/, 'it can restart');
});
