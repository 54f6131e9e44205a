// The Node and the plain-JavaScript platform modules are interchangeable: the same bytes, digests
// and signatures for the same inputs, and the strict decoders refuse the same spellings over both.
import fc from 'fast-check';
import t from 'tap';
import { fromBase64, fromHex } from '../server/log/encoding.ts';
import * as nodeBytes from '../server/log/platform/bytes-node.ts';
import * as webBytes from '../server/log/platform/bytes-web.ts';
import * as nodeCrypto from '../server/log/platform/crypto-node.ts';
import * as webCrypto from '../server/log/platform/crypto-web.ts';

const bytes = fc.uint8Array({ maxLength: 300 });

t.test('base64 and hex agree, both ways', async (t) => {
  fc.assert(
    fc.property(bytes, (data) => {
      const b64 = nodeBytes.encodeBase64(data);
      const hex = nodeBytes.encodeHex(data);
      t.equal(b64, webBytes.encodeBase64(data));
      t.equal(hex, webBytes.encodeHex(data));
      t.same(nodeBytes.decodeBase64(b64), data);
      t.same(webBytes.decodeBase64(b64), data);
      t.same(nodeBytes.decodeHex(hex), data);
      t.same(webBytes.decodeHex(hex), data);
      t.same(fromBase64(b64), data);
      t.same(fromHex(hex), data);
    }),
    { numRuns: 200 },
  );
});

t.test('decoded bytes are plain Uint8Arrays whose slices copy', async (t) => {
  const decoded = nodeBytes.decodeBase64('AAECAw==');
  t.equal(Object.getPrototypeOf(decoded), Uint8Array.prototype);
  const part = decoded.slice(0, 2);
  part[0] = 9;
  t.equal(decoded[0], 0);
  t.equal(Object.getPrototypeOf(nodeBytes.decodeHex('00ff')), Uint8Array.prototype);
});

t.test('the strict decoders refuse what Buffer would quietly accept', async (t) => {
  for (const text of ['AAECAw', 'AAEC Aw==', 'AAECAw==\n', 'AAECA-==', 'AAECAx==', '====']) {
    t.equal(fromBase64(text), undefined, JSON.stringify(text));
  }
  for (const text of ['0', 'AB', '0g', ' 00']) t.equal(fromHex(text), undefined, text);
});

t.test('SHA-256 and Ed25519 signatures agree', async (t) => {
  const seed = new Uint8Array(32).fill(7);
  const signNode = nodeCrypto.ed25519Signer(seed);
  const signWeb = webCrypto.ed25519Signer(seed);
  fc.assert(
    fc.property(bytes, (data) => {
      t.same(nodeCrypto.sha256(data), webCrypto.sha256(data));
      t.same(signNode(data), signWeb(data));
    }),
    { numRuns: 50 },
  );
});
