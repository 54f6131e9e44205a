// A license as the AI-BOM writes it: an SPDX license id when the input names one (a Hugging Face
// Hub license id, or an SPDX id in any case), an SPDX expression when it is one, else a named
// license (CycloneDX `license.name`; SPDX `LicenseRef-<name>`). The table holds the Hub license
// ids (hub-docs `repositories-licenses.md`) that have an SPDX id; the others (openrail, llama3,
// gemma, ...) have none and stay names. Every id here is in the SPDX license list CycloneDX ships.

const SPDX_IDS = [
  '0BSD',
  'AFL-3.0',
  'AGPL-3.0-only',
  'AGPL-3.0-or-later',
  'Apache-2.0',
  'Artistic-2.0',
  'BSD-2-Clause',
  'BSD-3-Clause',
  'BSD-3-Clause-Clear',
  'BSL-1.0',
  'CC-BY-2.0',
  'CC-BY-2.5',
  'CC-BY-3.0',
  'CC-BY-4.0',
  'CC-BY-NC-2.0',
  'CC-BY-NC-3.0',
  'CC-BY-NC-4.0',
  'CC-BY-NC-ND-3.0',
  'CC-BY-NC-ND-4.0',
  'CC-BY-NC-SA-2.0',
  'CC-BY-NC-SA-3.0',
  'CC-BY-NC-SA-4.0',
  'CC-BY-ND-4.0',
  'CC-BY-SA-3.0',
  'CC-BY-SA-4.0',
  'CC0-1.0',
  'CDLA-Permissive-1.0',
  'CDLA-Permissive-2.0',
  'CDLA-Sharing-1.0',
  'ECL-2.0',
  'EPL-1.0',
  'EPL-2.0',
  'etalab-2.0',
  'EUPL-1.1',
  'EUPL-1.2',
  'GPL-2.0-only',
  'GPL-2.0-or-later',
  'GPL-3.0-only',
  'GPL-3.0-or-later',
  'ISC',
  'LGPL-2.1-only',
  'LGPL-2.1-or-later',
  'LGPL-3.0-only',
  'LGPL-3.0-or-later',
  'LPPL-1.3c',
  'MIT',
  'MPL-2.0',
  'MS-PL',
  'NCSA',
  'ODbL-1.0',
  'ODC-By-1.0',
  'OFL-1.1',
  'OpenMDW-1.0',
  'OSL-3.0',
  'PDDL-1.0',
  'PostgreSQL',
  'Unlicense',
  'WTFPL',
  'Zlib',
] as const;

/** Hub ids that differ from their SPDX id other than in case. */
const HUB_ALIASES: Readonly<Record<string, string>> = {
  'agpl-3.0': 'AGPL-3.0-only',
  'gpl-2.0': 'GPL-2.0-only',
  'gpl-3.0': 'GPL-3.0-only',
  'lgpl-2.1': 'LGPL-2.1-only',
  'lgpl-3.0': 'LGPL-3.0-only',
  'odc-by': 'ODC-By-1.0',
  odbl: 'ODbL-1.0',
  pddl: 'PDDL-1.0',
};

const BY_LOWER_CASE = new Map<string, string>([
  ...SPDX_IDS.map((id): [string, string] => [id.toLowerCase(), id]),
  ...Object.entries(HUB_ALIASES),
]);

/** The SPDX ids this module can produce (a test checks each against the SPDX license list). */
export const KNOWN_SPDX_IDS: readonly string[] = SPDX_IDS;

export interface License {
  /** An SPDX license id. */
  id?: string;
  /** An SPDX license expression (`MIT OR Apache-2.0`). */
  expression?: string;
  /** A license without an SPDX id. */
  name?: string;
  url?: string;
}

/**
 * The license a card or an attestation names: `id` a Hub or SPDX id or expression (or `other`
 * with `name`, the card's license_name), `url` its link. `unknown` and empty mean no license.
 */
export function licenseOf(
  id: string | undefined,
  name?: string,
  url?: string,
): License | undefined {
  const given = id?.trim();
  if (given === undefined || given === '' || given.toLowerCase() === 'unknown') return undefined;
  const link = url === undefined ? {} : { url };
  const spdx = BY_LOWER_CASE.get(given.toLowerCase());
  if (spdx !== undefined) return { id: spdx, ...link };
  if (given.toLowerCase() === 'other') return { name: name ?? 'other', ...link };
  if (/\s(AND|OR|WITH)\s/.test(given) && /^[A-Za-z0-9.+\-:() ]+$/.test(given)) {
    return { expression: given, ...link };
  }
  return { name: given, ...link };
}

/** The SPDX `LicenseRef-` id of a named license: its name with other characters made `-`. */
export function licenseRefOf(name: string): string {
  return `LicenseRef-${name.replace(/[^A-Za-z0-9.-]+/g, '-').replace(/^-+|-+$/g, '') || 'other'}`;
}

/** The license as an SPDX expression: its id, its expression, or a `LicenseRef-` of its name. */
export function spdxExpressionOf(license: License): string {
  if (license.id !== undefined) return license.id;
  if (license.expression !== undefined) return license.expression;
  return licenseRefOf(`${license.name}`);
}
