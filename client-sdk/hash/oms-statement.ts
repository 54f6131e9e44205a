// The OMS v1.0 in-toto Statement for a manifest (OMS 5, 6.6), laid out as the reference
// implementation's payload goldens: predicate `serialization` before `resources`, each resource as
// algorithm, digest, name; `ignore_paths` only when there is one.

import { OMS_PREDICATE_TYPE } from '../../server/entries/predicate-types.ts';
import { utf8 } from '../../server/log/encoding.ts';
import type { ModelManifest } from './manifest.ts';
import { type JsonValue, messageToJson } from './message-to-json.ts';

export const IN_TOTO_STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
export { OMS_PREDICATE_TYPE };

export type OmsStatement = {
  _type: typeof IN_TOTO_STATEMENT_TYPE;
  subject: [{ name: string; digest: { sha256: string } }];
  predicateType: typeof OMS_PREDICATE_TYPE;
  predicate: {
    serialization: { [key: string]: JsonValue };
    resources: { algorithm: string; digest: string; name: string }[];
  };
};

export function omsStatement(manifest: ModelManifest): OmsStatement {
  const { method, hash_type, allow_symlinks, shard_size, ignore_paths } = manifest.serialization;
  return {
    _type: IN_TOTO_STATEMENT_TYPE,
    subject: [{ name: manifest.modelName, digest: { sha256: manifest.rootDigest } }],
    predicateType: OMS_PREDICATE_TYPE,
    predicate: {
      serialization: {
        method,
        hash_type,
        allow_symlinks,
        ...(shard_size === undefined ? {} : { shard_size }),
        ...(ignore_paths.length === 0 ? {} : { ignore_paths }),
      },
      resources: manifest.resources.map(({ algorithm, digest, name }) => ({
        algorithm,
        digest,
        name,
      })),
    },
  };
}

/** The statement as the DSSE payload: UTF-8 of the reference's JSON layout. */
export function omsPayloadBytes(manifest: ModelManifest): Uint8Array {
  return utf8(messageToJson(omsStatement(manifest)));
}
