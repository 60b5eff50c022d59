// The session-token payloads parity.js feeds to Clerk's own code. Each case
// is a base v2 payload changed by `set` (null sets null) and `del`, or a
// `raw` payload written out (repeated keys, spellings JSON.stringify cannot
// make). `goRefuses` says why clerkauth refuses a token Clerk's backend
// accepts: always a malformed payload Clerk does not mint. `asks` are has()
// questions beyond the common ones.
'use strict';

const now = 1700000000; // seconds; parity.js fixes Date.now() to it
const issuer = 'https://clerk.parity.example';
const authorizedParties = ['https://app.parity.example'];

const base = () => ({
  azp: authorizedParties[0],
  exp: now + 60,
  iat: now,
  iss: issuer,
  nbf: now - 10,
  sid: 'sess_1',
  sub: 'user_1',
  v: 2,
});

// raw is a base payload with text spliced in before its closing brace.
const raw = (extra, edit) => {
  const claims = base();
  if (edit) edit(claims);
  const text = JSON.stringify(claims);
  return text.slice(0, -1) + extra + '}';
};

const org = (o, fea) => ({ set: { fea, o } });
const perms = n => Array.from({ length: n }, (_, i) => `p${i}`).join(',');

const commonAsks = [
  { role: 'admin' }, { role: 'org:admin' }, { role: 'member' },
  { permission: 'org:billing:read' }, { permission: 'org:billing:manage' },
  { permission: 'org:reports:read' }, { permission: 'org:reports:manage' },
  { permission: 'org:premium:read' }, { permission: 'reports:read' },
  { feature: 'premium' }, { feature: 'u:premium' }, { feature: 'o:billing' },
  { feature: 'billing' }, { feature: 'reports' },
  { plan: 'pro' }, { plan: 'u:pro' }, { plan: 'o:team' },
];

const cases = [
  { name: 'plain v2 session' },
  { name: 'v2: fpm pairs with the o-features only', ...org({ id: 'org_1', slg: 'acme', rol: 'admin', per: 'read,manage', fpm: '1,3' }, 'u:premium,o:billing,o:reports') },
  { name: 'v2: user feature last', ...org({ id: 'org_1', rol: 'admin', per: 'read,manage', fpm: '3,1' }, 'o:billing,o:reports,u:premium') },
  { name: 'v2: more fpm entries than o-features', ...org({ id: 'org_1', rol: 'admin', per: 'read,manage', fpm: '1,3,3,3' }, 'o:billing') },
  { name: 'v2: fewer fpm entries than o-features', ...org({ id: 'org_1', rol: 'admin', per: 'read,manage', fpm: '2' }, 'o:billing,o:reports,o:audit'), asks: [{ permission: 'org:audit:read' }] },
  { name: 'v2: mask wider than per', ...org({ id: 'org_1', rol: 'admin', per: 'read', fpm: '7,6' }, 'o:billing,o:reports') },
  { name: 'v2: 2^64+1 mask', ...org({ id: 'org_1', per: perms(66), fpm: '18446744073709551617' }, 'o:reports'), asks: [{ permission: 'org:reports:p0' }, { permission: 'org:reports:p1' }, { permission: 'org:reports:p63' }, { permission: 'org:reports:p64' }, { permission: 'org:reports:p65' }] },
  { name: 'v2: 2^65 mask', ...org({ id: 'org_1', per: perms(66), fpm: '36893488147419103232' }, 'o:reports'), asks: [{ permission: 'org:reports:p0' }, { permission: 'org:reports:p64' }, { permission: 'org:reports:p65' }] },
  { name: 'v2: 2^63 mask', ...org({ id: 'org_1', per: perms(65), fpm: '9223372036854775808' }, 'o:reports'), asks: [{ permission: 'org:reports:p63' }, { permission: 'org:reports:p62' }] },
  { name: 'v2: 2^64-1 mask', ...org({ id: 'org_1', per: perms(65), fpm: '18446744073709551615' }, 'o:reports'), asks: [{ permission: 'org:reports:p63' }, { permission: 'org:reports:p64' }] },
  { name: 'v2: 100-digit mask', ...org({ id: 'org_1', per: perms(12), fpm: '1'.repeat(100) }, 'o:reports') },
  { name: 'v2: leading zeros', ...org({ id: 'org_1', per: 'read,manage', fpm: '0003,00' }, 'o:billing,o:reports') },
  { name: 'v2: spaces around fpm and per entries', ...org({ id: 'org_1', per: ' read , manage\t', fpm: ' 2 ,\u00a01\n' }, 'o:billing,o:reports') },
  { name: 'v2: malformed fpm entries grant nothing', ...org({ id: 'org_1', per: 'read,manage', fpm: '+3,-1,3.0,0x3,1e1,,3 3,\u0663,3' }, 'o:a,o:b,o:c,o:d,o:e,o:f,o:g,o:h,o:reports'), asks: [{ permission: 'org:a:read' }, { permission: 'org:c:read' }, { permission: 'org:h:read' }] },
  { name: 'v2: empty per', ...org({ id: 'org_1', rol: 'admin', per: '', fpm: '3' }, 'o:reports') },
  { name: 'v2: empty fpm', ...org({ id: 'org_1', rol: 'admin', per: 'read', fpm: '' }, 'o:reports') },
  { name: 'v2: per with an empty entry', ...org({ id: 'org_1', per: 'read,,manage', fpm: '7' }, 'o:reports'), asks: [{ permission: 'org:reports:' }] },
  { name: 'v2: ou and uo features are organization features', ...org({ id: 'org_1', per: 'read', fpm: '1,1,1' }, 'ou:billing,u:premium,uo:reports,o:audit'), asks: [{ permission: 'org:audit:read' }] },
  { name: 'v2: feature with a colon in its value', ...org({ id: 'org_1', per: 'read', fpm: '1' }, 'o:reports:v2'), asks: [{ permission: 'org:reports:v2:read' }, { feature: 'o:reports:v2' }] },
  { name: 'v2: other scopes are skipped', ...org({ id: 'org_1', per: 'read', fpm: '1,1' }, 'x:billing,O:billing,o:reports') },
  { name: 'v2: spaced fea entries', ...org({ id: 'org_1', per: 'read', fpm: '1,1' }, ' o:billing ,\tu:premium, o:reports') },
  { name: 'v2: fea entry without a colon, with an organization', ...org({ id: 'org_1', rol: 'admin', per: 'read', fpm: '1' }, 'o:billing,broken') },
  { name: 'v2: fea trailing comma, with an organization', ...org({ id: 'org_1', rol: 'admin', per: 'read', fpm: '1' }, 'o:billing,') },
  { name: 'v2: fea entry without a colon, o empty', ...org({}, 'o:billing,broken') },
  { name: 'v2: fea entry without a colon, no organization', set: { fea: 'u:premium,broken' } },
  { name: 'v2: fea entry without a colon, o null', ...org(null, 'u:premium,broken') },
  { name: 'v2: no fea, with an organization', set: { o: { id: 'org_1', rol: 'admin', per: 'read', fpm: '1' } } },
  { name: 'v2: o without rol', ...org({ id: 'org_1', slg: 'acme', per: 'read', fpm: '1' }, 'o:reports') },
  { name: 'v2: o with an empty rol', ...org({ id: 'org_1', rol: '', per: 'read', fpm: '1' }, 'o:reports') },
  { name: 'v2: rol already prefixed', ...org({ id: 'org_1', rol: 'org:admin' }, '') },
  { name: 'v2: o without id', ...org({ slg: 'acme', rol: 'admin', per: 'read', fpm: '1' }, 'o:reports') },
  { name: 'v2: o empty', ...org({}, 'o:reports') },
  { name: 'v2: o null', ...org(null, 'o:reports') },
  { name: 'v2: o with unknown members', ...org({ id: 'org_1', rol: 'admin', xyz: 1, per: 'read', fpm: '1' }, 'o:reports') },
  { name: 'v2: v1 claims are ignored', set: { org_id: 'org_v1', org_role: 'org:admin', org_slug: 'v1', org_permissions: ['org:reports:read'] } },
  { name: 'v2: v1 claims are ignored, of any type', set: { org_id: 5, org_permissions: 'org:reports:read' } },
  { name: 'v2: o wins over v1 claims', set: { o: { id: 'org_2', rol: 'member' }, org_id: 'org_v1', org_role: 'org:admin' } },
  { name: 'v1: org claims', del: ['v'], set: { org_id: 'org_1', org_role: 'org:admin', org_slug: 'acme', org_permissions: ['org:reports:read', 'org:billing:manage'] } },
  { name: 'v1: role without prefix', del: ['v'], set: { org_id: 'org_1', org_role: 'admin' } },
  { name: 'v1: o is ignored', del: ['v'], set: { o: { id: 'org_1', rol: 'admin', per: 'read', fpm: '1' }, fea: 'o:reports' } },
  { name: 'v1: o of any type is ignored', del: ['v'], set: { o: 'org_1' } },
  { name: 'v1: null org claims', del: ['v'], set: { org_id: null, org_role: null, org_permissions: null } },
  { name: 'v1: org_permissions not an array', del: ['v'], set: { org_id: 'org_1', org_permissions: 'org:reports:read' }, goRefuses: 'org_permissions is not an array of strings' },
  { name: 'v 1', set: { v: 1, org_id: 'org_1', org_role: 'admin', o: { id: 'org_2' } } },
  { name: 'v 3 reads v1 claims', set: { v: 3, org_id: 'org_1', org_role: 'admin', o: { id: 'org_2' } } },
  { name: 'v 0 reads v1 claims', set: { v: 0, org_id: 'org_1', o: { id: 'org_2' } } },
  { name: 'v -2 reads v1 claims', set: { v: -2, org_id: 'org_1', o: { id: 'org_2' } } },
  { name: 'v 2.5 reads v1 claims', set: { v: 2.5, org_id: 'org_1', o: { id: 'org_2' } } },
  { name: 'v null reads v1 claims', set: { v: null, org_id: 'org_1', o: { id: 'org_2' } } },
  { name: 'v 2.0 is v2', raw: raw(',"o":{"id":"org_2","rol":"admin"},"org_id":"org_1"', c => delete c.v).replace('{', '{"v":2.0,') },
  { name: 'v 2e0 is v2', raw: raw(',"o":{"id":"org_2"},"org_id":"org_1"', c => delete c.v).replace('{', '{"v":2e0,') },
  { name: 'v "2" is not a number', set: { v: '2', org_id: 'org_1', o: { id: 'org_2' } }, goRefuses: 'v is not a number' },
  { name: 'o.id not a string', set: { o: { id: 5, rol: 'admin' } }, goRefuses: 'o.id is not a string' },
  { name: 'o not an object', set: { o: 'org_1' }, goRefuses: 'o is not a JSON object' },
  { name: 'features and plans', set: { fea: 'u:premium,o:billing', pla: 'u:pro,o:team' } },
  { name: 'plans with an empty entry', set: { pla: 'u:pro,' } },
  { name: 'fva [0,-1]', set: { fva: [0, -1] } },
  { name: 'fva [5,10]', set: { fva: [5, 10] } },
  { name: 'fva [-1,-1]', set: { fva: [-1, -1] } },
  { name: 'fva absent', del: ['fva'] },
  { name: 'fva null', set: { fva: null } },
  { name: 'fva one age', set: { fva: [1] } },
  { name: 'fva three ages', set: { fva: [1, 2, 3] } },
  { name: 'fva empty', set: { fva: [] } },
  { name: 'fva a string', set: { fva: '1,2' } },
  { name: 'fva an object', set: { fva: { 0: 1, 1: 2 } } },
  { name: 'fva fractional', set: { fva: [1.5, 2] } },
  { name: 'fva below -1', set: { fva: [-2, 0] } },
  { name: 'fva a string age', set: { fva: ['1', 2] } },
  { name: 'fva a null age', set: { fva: [null, 2] } },
  { name: 'fva a boolean age', set: { fva: [true, 2] } },
  { name: 'fva 1e3', raw: raw(',"fva":[1e3,-1.0]') },
  { name: 'fva beyond 2^53', raw: raw(',"fva":[9007199254740993,0]') },
  { name: 'fva beyond 2^63', raw: raw(',"fva":[1e19,0]') },
  { name: 'fva -0', raw: raw(',"fva":[-0,0]') },
  { name: 'sts active', set: { sts: 'active' } },
  { name: 'sts pending', set: { sts: 'pending' } },
  { name: 'sub of a machine', set: { sub: 'mch_1' } },
  { name: 'sub of a machine, v1', del: ['v'], set: { sub: 'mch_1' } },
  { name: 'azp absent', del: ['azp'] },
  { name: 'azp empty', set: { azp: '' } },
  { name: 'azp foreign', set: { azp: 'https://evil.example' } },
  { name: 'azp absent, no authorized parties', del: ['azp'], authorizedParties: [] },
  { name: 'azp foreign, no authorized parties', set: { azp: 'https://evil.example' }, authorizedParties: [] },
  { name: 'expired', set: { exp: now - 6, iat: now - 60 } },
  { name: 'expired within the skew', set: { exp: now - 4, iat: now - 60 } },
  { name: 'expiring exactly at the skew', set: { exp: now - 5, iat: now - 60 } },
  { name: 'issued in the future', set: { iat: now + 6, exp: now + 66 } },
  { name: 'issued within the skew', set: { iat: now + 5, exp: now + 65 } },
  { name: 'not yet valid', set: { nbf: now + 6 } },
  { name: 'exp fractional', set: { exp: now + 60.5 }, goRefuses: 'exp is not a whole number' },
  { name: 'exp beyond JavaScript dates', set: { exp: 1e20 }, goRefuses: 'exp beyond 8.64e12' },
  { name: 'exp near 2^63', raw: raw('', c => { c.exp = 0; }).replace('"exp":0', '"exp":9223372036854775807'), goRefuses: 'exp beyond 8.64e12' },
  { name: 'iat negative', set: { iat: -1 }, goRefuses: 'iat before 1970' },
  { name: 'iat near -2^63', raw: raw('', c => { c.iat = 0; }).replace('"iat":0', '"iat":-9223372036854775808'), goRefuses: 'iat before 1970' },
  { name: 'sid in capitals only', del: ['sid'], set: { SID: 'sess_other' }, goRefuses: 'SID is another case of sid' },
  { name: 'sub in two cases', raw: raw(',"Sub":"user_2"'), goRefuses: 'Sub is another case of sub' },
  { name: 'sid in two cases', raw: raw(',"SID":"sess_2"'), goRefuses: 'SID is another case of sid' },
  { name: 'sub with a long s', raw: raw(',"\u017fub":"user_2"'), goRefuses: 'ſub folds onto sub' },
  { name: 'o in capitals', raw: raw(',"O":{"id":"org_2","rol":"admin"}'), goRefuses: 'O is another case of o' },
  { name: 'fva in capitals', raw: raw(',"FVA":[0,0]'), goRefuses: 'FVA is another case of fva' },
  { name: 'o.rol in capitals', set: { o: { id: 'org_1', ROL: 'admin' } }, goRefuses: 'ROL is another case of o.rol' },
  { name: 'sub repeated', raw: raw(',"sub":"user_2"'), goRefuses: 'sub is repeated' },
  { name: 'o.rol repeated', raw: raw(',"o":{"id":"org_1","rol":"member","rol":"admin"}'), goRefuses: 'o.rol is repeated' },
];

// payload is a case's payload text.
function payload(c) {
  if (c.raw !== undefined) return c.raw;
  const claims = base();
  for (const k of c.del || []) delete claims[k];
  Object.assign(claims, c.set || {});
  return JSON.stringify(claims);
}

module.exports = { now, issuer, authorizedParties, commonAsks, cases, payload };
