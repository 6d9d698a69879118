/** Status name -> stable number (identical to the C header's DOMAINSIG_* values). */
export declare const STATUS: Readonly<Record<StatusName, number>>;

export type StatusName =
  | 'OK' | 'INVALID_ARGUMENT' | 'POLICY_INVALID' | 'BUNDLE_MALFORMED' | 'BUNDLE_UNSUPPORTED'
  | 'TRUSTED_ROOT_INVALID' | 'ARTIFACT_UNREADABLE' | 'INPUT_UNREADABLE' | 'CERTIFICATE_INVALID' | 'SCT_INVALID'
  | 'SIGNATURE_INVALID' | 'ARTIFACT_MISMATCH' | 'TLOG_INCLUSION_PROOF' | 'TLOG_CHECKPOINT'
  | 'TLOG_SET' | 'TLOG_BODY_MISMATCH' | 'TLOG_MISSING' | 'TIMESTAMP_INVALID' | 'NO_VERIFIED_TIME'
  | 'IDENTITY_MISMATCH' | 'ISSUER_MISMATCH' | 'CLAIM_MISMATCH' | 'KEY_MISMATCH' | 'TOO_RECENT'
  | 'SUBJECT_MISMATCH' | 'PREDICATE_UNSUPPORTED' | 'DOMAIN_MISSING' | 'DOMAIN_MISMATCH'
  | 'AUDIENCE_MISMATCH' | 'DOMAIN_INVALID' | 'TUF_REFUSED' | 'TUF_EXPIRED' | 'TUF_MISSING' | 'TUF_FETCH'
  | 'TUF_CACHE' | 'LOCK_INVALID' | 'ATTESTATION_MISSING' | 'LIMIT_EXCEEDED' | 'INTERNAL';

export type Family = 'ok' | 'input' | 'crypto' | 'identity' | 'domain' | 'internal';

/**
 * Who signed, derived from the verified certificate (PEP 740 publisher objects; `Other` keeps the
 * issuer and SAN of any other identity). Passed back in a policy's `publishers`, it pins exactly
 * that signer.
 */
export type Publisher =
  | { kind: 'GitHub'; repository: string; workflow: string; environment?: string }
  | { kind: 'GitLab'; repository: string; workflow_filepath: string; environment?: string }
  | { kind: 'Google'; email: string }
  | { kind: 'Other'; issuer: string; san: string };

/** The result JSON: status, code, family, then message/field on refusal, verified/decision when available. */
export interface Details {
  status: StatusName;
  code: number;
  family: Family;
  message?: string;
  field?: string;
  /** Present whenever a Fulcio certificate was verified (accepted or refused by the policy). */
  publisher?: Publisher;
  verified?: Record<string, unknown>;
  decision?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface VerificationResult {
  ok: boolean;
  status: number;
  code: StatusName | 'UNKNOWN';
  details: Details;
  /** `details.publisher`, or null when no certificate was verified. */
  publisher: Publisher | null;
}

/**
 * One verification. Content and files are never guessed from a value's shape: `bundle` is always
 * the bundle's content (bytes, JSON text or the parsed object) and a file is named only by
 * `bundlePath`. Give exactly one of the two.
 */
export type VerifyOptions = VerifyCommon & (
  | { /** The bundle's content: bytes, JSON text or the parsed object. Never a path. */ bundle: Buffer | Uint8Array | string | object; bundlePath?: undefined | null }
  | { /** A file holding the bundle, read at most 8 MiB + 1 byte. */ bundlePath: string; bundle?: undefined | null }
);

export interface VerifyCommon {
  /** The artifact's bytes, a path to it, or "sha256:<hex>" / "sha384:<hex>" / "sha512:<hex>" (any string with that prefix is a digest). */
  artifact: Buffer | Uint8Array | string;
  /** Where the artifact was fetched from ("registry.npmjs.org"); null when unknown. */
  indexDomain?: string | null;
  /** Filename or purl ("pkg:npm/%40scope/name@1.0.0") for subject binding. */
  name?: string | null;
}

export declare class VerificationError extends Error {
  /** The status name, e.g. "DOMAIN_MISMATCH". */
  code: StatusName | 'UNKNOWN';
  /** The status number, e.g. 43. */
  status: number;
  family: Family;
  details: Details;
  /** `details.publisher`, or null when no certificate was verified. */
  publisher: Publisher | null;
}

export declare class Policy {
  private constructor(handle: unknown);
  /** Compiles a policy from its content (object, JSON text or bytes; never a path). Throws VerificationError (POLICY_INVALID...), TypeError for another type. */
  static fromJSON(policy: object | string | Buffer | Uint8Array): Policy;
  /** Compiles the policy in a file, read by the library (at most 1 MiB: INPUT_UNREADABLE, LIMIT_EXCEEDED); relative trusted_root.path and key paths resolve against the file's folder. */
  static fromFile(path: string): Policy;
  /** Verifies on the libuv pool; rejects with VerificationError when the artifact is refused. Buffers are copied at call time: later writes or transfers cannot change the verdict. */
  verify(opts: VerifyOptions): Promise<VerificationResult>;
  /** Verifies on the calling thread; throws VerificationError when the artifact is refused. */
  verifySync(opts: VerifyOptions): VerificationResult;
  /** Judges a file with NO attestation: returns the warnings to show when nothing asks for provenance of its package (install it); throws VerificationError otherwise (ATTESTATION_MISSING naming each voice that asks: domains.mode "require", identities, publishers, keys, min_age, packages[P], a publisher map governing indexDomain that names publishers, or first_sight off when none of these speaks; TUF_MISSING when such a map never searched for it). `name`: file name or purl (npm: `pkg:npm/%40scope/name@1.0.0`) or bare PyPI project name; `indexDomain` null for a file no index listed. */
  judgeUnattested(name: string, indexDomain: string | null): string[];
  /** Verifies a batch natively; one result per item, refusals included (ok: false), an item with an unusable value too. Rejects with TypeError for a wrong type, and with LIMIT_EXCEEDED for more than 10,000 items. Buffers are copied at call time. */
  verifyMany(items: Iterable<VerifyOptions>, defaults?: { indexDomain?: string | null }): Promise<VerificationResult[]>;
}

export declare function statusName(status: number): string;
export declare function version(): string;

/** Which TUF repository to trust and where its verified state is cached. */
export interface TrustOptions {
  /** 'public-good' (default), 'staging', or an https:, http: or file: URL. */
  repo?: 'public-good' | 'staging' | string | URL;
  /** A local directory holding the repository (instead of `repo`). */
  repoDir?: string;
  /** A custom repository's bootstrap root.json, as content (bytes, JSON text or the parsed object); needed only until the cache holds a verified state of the repository. */
  root?: Buffer | Uint8Array | string | object;
  /** A custom repository's bootstrap root.json, as a file path (instead of `root`). */
  rootPath?: string;
  /** The cache directory (default: $XDG_CACHE_HOME/domainsig/tuf). */
  cache?: string;
}

/** Fetches one URL: the body (at most `maxLen` bytes), or null when the server says 404/403. */
export type TrustFetch = (url: string, maxLen: number) => Promise<Buffer | Uint8Array | null> | Buffer | Uint8Array | null;

/** Publisher map entries to look up in an update (docs/publisher-map.md): only their bins are fetched. */
export interface TrustSearch {
  /** The index whose map is searched: `pypi.org`, `registry.npmjs.org`. */
  index: string;
  /** Project names as the ecosystem writes them (PEP 503 normalised for PyPI by the library). */
  packages: string[];
  /** How names compare; `pypi` when left out. */
  ecosystem?: 'pypi' | 'npm';
}

export interface TrustRole { role: string; version: number; expires: string; expired: boolean }
export interface TrustTarget { name: string; length: number; sha256: string; role: string }

/** What an update verified, or what the cache holds. */
export interface TrustReport {
  repository: string;
  url: string;
  cache: string;
  verified_at: string;
  expiry_enforced: boolean;
  roles: TrustRole[];
  targets: TrustTarget[];
  changed?: string[];
  [key: string]: unknown;
}

export declare namespace trust {
  /** Updates the cache on the libuv pool, fetching on the main thread (global fetch by default). */
  function update(opts?: TrustOptions & { fetch?: TrustFetch | null; search?: TrustSearch | null }): Promise<TrustReport>;
  /** What the cache holds, without fetching. */
  function status(opts?: TrustOptions): Promise<TrustReport>;
  /** The `{tuf, cache}` value for a policy's `trusted_root`. */
  function trustedRoot(opts?: TrustOptions): { tuf: string | { repo: string; root?: string | object }; cache?: string };
  /** The default fetcher (global fetch, 404/403 as null, at most maxLen + 1 bytes read, the whole answer within deadlineMs: 60 s by default). */
  function defaultFetch(url: string, maxLen: number, opts?: { deadlineMs?: number }): Promise<Buffer | null>;
}

/** One entry of a lock report (`domainsig verify-lock --json`'s entries). */
export interface LockEntry {
  name: string;
  version: string | null;
  file: string | null;
  index: string | null;
  verdict: 'verified' | 'unattested' | 'refused' | 'listed';
  status: StatusName;
  code: number;
  message?: string;
  field?: string;
  publisher: { kind: string; [key: string]: unknown } | null;
  [key: string]: unknown;
}

/** What verifying a lock found: counts, then one object per entry. */
export interface LockReport {
  lockfile: 'pylock.toml' | 'package-lock.json' | 'pnpm-lock.yaml';
  ok: boolean;
  verified: number;
  unattested: number;
  refused: number;
  listed: number;
  entries: LockEntry[];
}

export declare namespace lock {
  /** The Accept header every lock request sends. */
  const ACCEPT: string;
  /** Verifies every artifact a lockfile pins on the libuv pool, fetching on the main thread. */
  function verify(
    lockfile: string,
    policy: Policy,
    opts?: { indexUrl?: string; registry?: string; fetch?: TrustFetch | null; jobs?: number },
  ): Promise<LockReport>;
  /** The default fetcher (global fetch asking for JSON; 404/403/410 as null). */
  function defaultFetch(url: string, maxLen: number): Promise<Buffer | null>;
}
