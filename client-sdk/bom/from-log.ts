// The log's facts about a model, for its AI-BOM: the statements whose subject is the model's
// digest (signatures, lineage, evaluations, revocations), the attestations of the datasets its
// lineage names, and those of its signers as contributors.
import { createHash } from 'node:crypto';
import {
  CONTRIBUTOR_PREDICATE_TYPE,
  DATASET_PREDICATE_TYPE,
  EVALUATION_PREDICATE_TYPE,
  LINEAGE_PREDICATE_TYPE,
  REVOCATION_PREDICATE_TYPE,
} from '../../server/entries/predicate-types.ts';
import type { DatasetUse } from '../attest/predicates.ts';
import { OMS_PREDICATE_TYPE } from '../hash/oms-statement.ts';
import type {
  ContributorFact,
  DatasetFact,
  DigestRef,
  EvaluationFact,
  LineageFact,
  LogFacts,
  RevocationFact,
} from './log-facts.ts';
import type { LoggedStatement, StatementSource } from './logged-statement.ts';

/** Statements read per question: a model with more is one someone is flooding. */
const MAX_STATEMENTS = 100;

type Predicate = Record<string, unknown>;

const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
const digestRef = (value: unknown): DigestRef | undefined => {
  const v = value as { name?: unknown; sha256?: unknown } | undefined;
  if (typeof v?.sha256 !== 'string') return undefined;
  return text(v.name) === undefined
    ? { sha256: v.sha256 }
    : { name: v.name as string, sha256: v.sha256 };
};
const defined = <T extends object>(value: T): T =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;

function lineageFact({ predicate: p, ref }: LoggedStatement): LineageFact {
  const datasets = Array.isArray(p.datasets) ? p.datasets : [];
  return defined({
    baseModel: digestRef(p.baseModel),
    datasets: datasets.flatMap((d: Predicate) => {
      const digest = digestRef(d);
      // The log took the lineage only as its schema allows: a use is one of the DatasetUse words.
      return digest ? [defined({ ...digest, use: text(d.use) as DatasetUse | undefined })] : [];
    }),
    trainingConfig: digestRef(p.trainingConfig),
    trainedBy: text(p.trainedBy),
    ref,
  });
}

function datasetFact(
  { predicate: p, subjects, ref }: LoggedStatement,
  use?: DatasetUse,
): DatasetFact {
  const personal = p.personalData as Predicate | undefined;
  return defined({
    name: text(p.name) ?? subjects[0]?.name ?? 'dataset',
    version: text(p.version),
    sha256: subjects[0]?.digest.sha256 as string,
    license: text(p.license),
    sources: Array.isArray(p.sources) ? (p.sources as DatasetFact['sources']) : undefined,
    collection: text(p.collection),
    preprocessing: text(p.preprocessing),
    limitations: text(p.limitations),
    personalData:
      personal === undefined
        ? undefined
        : defined({
            present: personal.present === true,
            statement: text(personal.statement),
            consent: text(personal.consent),
          }),
    use,
    ref,
  });
}

function contributorFact({ predicate: p, ref }: LoggedStatement): ContributorFact {
  return defined({
    identity: text(p.identity) as string,
    role: text(p.role) ?? 'contributor',
    affiliation: text(p.affiliation),
    names: Array.isArray(p.names) ? (p.names as string[]) : undefined,
    validFrom: text(p.validFrom),
    validUntil: text(p.validUntil),
    ref,
  });
}

function evaluationFact({ predicate: p, ref }: LoggedStatement): EvaluationFact {
  return defined({
    benchmark: p.benchmark as EvaluationFact['benchmark'],
    dataset: digestRef(p.dataset),
    metrics: (Array.isArray(p.metrics) ? p.metrics : []) as EvaluationFact['metrics'],
    date: text(p.date) as string,
    ref,
  });
}

function revocationFact({ predicate: p, ref }: LoggedStatement): RevocationFact {
  return defined({
    reason: text(p.reason) as string,
    severity: p.severity as RevocationFact['severity'],
    replacement: digestRef(p.replacement),
    issuedBy: text(p.issuedBy),
    ref,
  });
}

const sha256Hex = (value: string) => createHash('sha256').update(value).digest('hex');

/** Everything the log (through `source`) says about the model whose OMS root digest is given. */
/**
 * Everything the log (through `source`) says about the model whose OMS root digest is given, as
 * said by `signers` (key fingerprints `sha256:<hex>` or certificate identities): the model's own
 * signers and whoever else the reader trusts. Anyone can publish a statement about any digest, so
 * statements by others are left out: a stranger's revocation, lineage or scores are not facts.
 */
export async function gatherLogFacts(
  source: StatementSource,
  modelSha256: string,
  signers: readonly string[],
): Promise<LogFacts> {
  const trusted = new Set(signers);
  const byTrusted = (statements: LoggedStatement[]) =>
    statements.filter((s) => trusted.has(s.ref.signer));
  const about = byTrusted(await source.find({ digest: `sha256:${modelSha256}` }, MAX_STATEMENTS));
  const of = (type: string) => about.filter((s) => s.predicateType === type);
  const lineages = of(LINEAGE_PREDICATE_TYPE);
  // The latest lineage statement is the one in force.
  const lineage = lineages.length > 0 ? lineageFact(lineages[lineages.length - 1]) : undefined;

  const datasets: DatasetFact[] = [];
  for (const used of lineage?.datasets ?? []) {
    const attested = byTrusted(
      await source.find(
        { digest: `sha256:${used.sha256}`, predicateType: DATASET_PREDICATE_TYPE },
        MAX_STATEMENTS,
      ),
    );
    if (attested.length > 0) datasets.push(datasetFact(attested[attested.length - 1], used.use));
  }

  // Contributors: the signers, as they attested themselves or were attested by a trusted signer.
  const contributors: ContributorFact[] = [];
  for (const identity of [...new Set(about.map((s) => s.ref.signer))]) {
    const found = byTrusted(
      await source.find(
        { digest: `sha256:${sha256Hex(identity)}`, predicateType: CONTRIBUTOR_PREDICATE_TYPE },
        MAX_STATEMENTS,
      ),
    ).filter((s) => s.predicate.identity === identity);
    if (found.length > 0) contributors.push(contributorFact(found[found.length - 1]));
  }

  return {
    logUrl: source.logUrl,
    signatures: of(OMS_PREDICATE_TYPE).map((s) => ({ predicateType: s.predicateType, ref: s.ref })),
    ...(lineage && { lineage }),
    datasets,
    contributors,
    evaluations: of(EVALUATION_PREDICATE_TYPE).map(evaluationFact),
    revocations: of(REVOCATION_PREDICATE_TYPE).map(revocationFact),
  };
}
