// What an AI-BOM is assembled from when it comes from a log (logClientSource): statements about a
// model, each counted only with a signer whose key or certificate verifies its envelope. A real
// server answers; a transport that rewrites the verifier the log names shows that a log cannot
// pass a statement off as someone else's.
import t from 'tap';
import { logClientSource } from '../client-sdk/bom/logged-statement.ts';
import { LogClient } from '../client-sdk/log-client/log-client.ts';
import { toHex } from '../server/log/encoding.ts';
import { alteringFetch, serve } from './support/http.ts';
import {
  buildBundle,
  certificateSigner,
  generateKey,
  keySigner,
  makeCertificateChain,
  omsStatement,
} from './support/signing.ts';
import { openTempLog } from './support/temp-log.ts';

const MODEL = 'cd'.repeat(32);

t.test('statements about a model, each with the signer that verifies it', async (t) => {
  const log = openTempLog(t);
  const { url } = await serve(t, log);
  const keys = await LogClient.fetchKeys(url);
  const honest = new LogClient({ url, ...keys });
  const key = generateKey('ecdsa-p256');
  const chain = await makeCertificateChain({ san: { type: 'email', value: 'ml@example.com' } });
  const about = (name: string) => omsStatement({ subject: [{ name, digest: { sha256: MODEL } }] });
  // 0 and 2 signed with a key, 1 with a certificate; 3 about another model.
  await honest.submit({
    bundle: await buildBundle(keySigner(key), about('acme/model')),
    publicKey: key.publicKeyPem,
  });
  await honest.submit({
    bundle: await buildBundle(certificateSigner(chain), about('certified/model')),
  });
  await honest.submit({
    bundle: await buildBundle(keySigner(key), about('acme/model-again')),
    publicKey: key.publicKeyPem,
  });
  await honest.submit({
    bundle: await buildBundle(
      keySigner(key),
      omsStatement({ subject: [{ name: 'other', digest: { sha256: 'ef'.repeat(32) } }] }),
    ),
    publicKey: key.publicKeyPem,
  });
  const filter = { digest: `sha256:${MODEL}` };

  const found = await logClientSource(honest).find(filter, 10);
  t.same(
    found.map((s) => [s.ref.logIndex, s.ref.signer, s.subjects[0].name]),
    [
      [0, key.identity, 'acme/model'],
      [1, 'ml@example.com', 'certified/model'],
      [2, key.identity, 'acme/model-again'],
    ],
    'in log order, each with its verified signer',
  );
  const checkpoint = await honest.checkpoint();
  t.match(found[0], {
    predicateType: 'https://model_signing/signature/v1.0',
    ref: {
      logUrl: url,
      checkpoint: { origin: log.origin, size: 4, rootHash: toHex(checkpoint.rootHash) },
    },
  });
  t.same(
    (await logClientSource(honest).find(filter, 1)).map((s) => s.ref.logIndex),
    [0],
    'no more than the limit',
  );

  // The log names the verifier of each entry beside it; one it swaps or garbles verifies
  // nothing, and the statement is left out rather than credited to whoever it names.
  const stranger = generateKey('ecdsa-p256');
  const strangerChain = await makeCertificateChain({
    san: { type: 'email', value: 'mallory@example.com' },
  });
  const swapped: Record<string, unknown> = {
    '/api/v1/entries/0': {
      kind: 'publicKey',
      pem: stranger.publicKeyPem,
      identity: stranger.identity,
    },
    '/api/v1/entries/1': {
      kind: 'certificate',
      pemChain: [strangerChain.leafPem],
      identity: { san: 'mallory@example.com' },
    },
    '/api/v1/entries/2': 'not a verifier',
  };
  const lying = new LogClient({
    url,
    ...keys,
    fetch: alteringFetch((path, body) =>
      path in swapped ? JSON.stringify({ ...JSON.parse(body), verifier: swapped[path] }) : body,
    ),
  });
  t.same(await logClientSource(lying).find(filter, 10), [], 'no statement with a swapped signer');
  delete swapped['/api/v1/entries/2'];
  // Pages of two (the limit): the first page's two are left out, so the next page is read.
  t.same(
    (await logClientSource(lying).find(filter, 2)).map((s) => [s.ref.logIndex, s.ref.signer]),
    [[2, key.identity]],
    'pages on past the statements left out',
  );
});
