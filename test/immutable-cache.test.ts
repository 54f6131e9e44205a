// The bounded cache of full tiles and computed nodes: it evicts the least recently used key.
import t from 'tap';
import { ImmutableCache } from '../server/immutable-cache.ts';

const contents = (cache: ImmutableCache<number>, keys: string[]) => keys.map((k) => cache.get(k));

t.test('beyond its capacity it drops the least recently set key', async (t) => {
  const cache = new ImmutableCache<number>(2);
  cache.set('a', 1);
  cache.set('b', 2);
  cache.set('c', 3);
  t.same(contents(cache, ['a', 'b', 'c']), [undefined, 2, 3]);
});

t.test('a get makes a key recent again', async (t) => {
  const cache = new ImmutableCache<number>(2);
  cache.set('a', 1);
  cache.set('b', 2);
  t.equal(cache.get('a'), 1);
  cache.set('c', 3);
  t.same(contents(cache, ['a', 'b', 'c']), [1, undefined, 3], 'b goes, not a');
});

t.test('setting a key again makes it recent and keeps one copy', async (t) => {
  const cache = new ImmutableCache<number>(2);
  cache.set('a', 1);
  cache.set('b', 2);
  cache.set('a', 1);
  cache.set('c', 3);
  t.same(contents(cache, ['a', 'b', 'c']), [1, undefined, 3], 'b goes, not a');
  t.equal(cache.get('missing'), undefined);
});
