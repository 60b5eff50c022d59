// parity.js asks Clerk's own backend SDK what it makes of each session-token
// payload of corpus.js, and writes the answers to recorded.json, which
// TestClaimsParity (claims_parity_test.go) holds clerkauth to. Run by hand
// after changing the corpus or upgrading @clerk/backend, not by CI:
//
//	node auth/clerkauth/testdata/parity/parity.js [node_modules]
//
// node_modules defaults to /tmp/clerkjs/node_modules, which must hold
// @clerk/backend (npm install @clerk/backend). Each payload goes the way a
// token in an Authorization header goes through authenticateRequest: the
// machine-token check (isMachineToken: an mch_ sub), verifyToken (signature,
// azp, exp, nbf, iat; Clerk's default 5 s clock skew) with a key made here,
// then signedInAuthObject (the claims parser, which can throw), the pending
// check of toAuth, and has().
'use strict';

const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { createRequire } = require('node:module');

const modules = path.resolve(process.argv[2] || '/tmp/clerkjs/node_modules');
const load = createRequire(path.join(modules, 'parity.js'));
const { verifyToken } = load('@clerk/backend');
const { signedInAuthObject, isMachineToken } = load('@clerk/backend/internal');
const corpus = require('./corpus.js');

const b64url = b => Buffer.from(b).toString('base64url');
const { publicKey, privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = publicKey.export({ type: 'spki', format: 'pem' });
const header = b64url(JSON.stringify({ alg: 'RS256', cat: 'cl_B7d4PD111AAA', kid: 'ins_parity', typ: 'JWT' }));

function sign(payload) {
  const input = header + '.' + b64url(payload);
  return input + '.' + b64url(crypto.sign('RSA-SHA256', Buffer.from(input), privateKey));
}

// The field of the auth object clerkauth's AuthData mirrors.
const fields = ['userId', 'sessionId', 'sessionStatus', 'orgId', 'orgRole', 'orgSlug', 'orgPermissions', 'factorVerificationAge'];

async function run(c) {
  const payload = corpus.payload(c);
  const authorizedParties = c.authorizedParties ?? corpus.authorizedParties;
  const out = { name: c.name, payload, authorizedParties };
  if (c.goRefuses) out.goRefuses = c.goRefuses;
  const token = sign(payload);
  if (isMachineToken(token)) {
    return { ...out, accepted: false, reason: 'machine token (token-type-mismatch)' };
  }
  let data;
  try {
    data = await verifyToken(token, { jwtKey: pem, authorizedParties });
  } catch (err) {
    return { ...out, accepted: false, reason: `${err.reason}: ${err.message}` };
  }
  let auth;
  try {
    auth = signedInAuthObject({ secretKey: 'sk_test_parity', apiUrl: 'https://api.clerk.test', apiVersion: 'v1' }, token, data);
  } catch (err) {
    return { ...out, accepted: false, reason: `claims parser threw: ${err.message}` };
  }
  if (auth.sessionStatus === 'pending') {
    return { ...out, accepted: false, reason: 'pending session (treatPendingAsSignedOut)' };
  }
  out.accepted = true;
  out.auth = {};
  for (const f of fields) out.auth[f] = auth[f] === undefined ? null : auth[f];
  out.has = [...corpus.commonAsks, ...(c.asks || [])].map(ask => ({ ask, answer: auth.has(ask) }));
  return out;
}

async function main() {
  Date.now = () => corpus.now * 1000;
  const version = load('@clerk/backend/package.json').version;
  const cases = [];
  for (const c of corpus.cases) cases.push(await run(c));
  const recorded = { clerkBackend: version, now: corpus.now, issuer: corpus.issuer, cases };
  const file = path.join(__dirname, 'recorded.json');
  fs.writeFileSync(file, JSON.stringify(recorded, null, 1) + '\n');
  console.log(`${cases.length} cases from @clerk/backend ${version} written to ${file}`);
}

main().catch(err => {
  console.error(err);
  process.exit(1);
});
