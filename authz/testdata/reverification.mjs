// Writes reverification.json: what Clerk's has({ reverification }) answers
// for each preset and fva claim, and the hint reverificationError() builds
// for each preset's requirement. Run it where @clerk/shared is installed:
//
//	cd /path/to/a/node/project && node /path/to/authz/testdata/reverification.mjs > /path/to/authz/testdata/reverification.json
import { createRequire } from 'node:module';

const require = createRequire(process.cwd() + '/');
const { createCheckAuthorization } = require('@clerk/shared/authorization');
const { reverificationError } = require('@clerk/shared/authorization-errors');
const shared = require('@clerk/shared/package.json');

const presets = { strict_mfa: ['multi_factor', 10], strict: ['second_factor', 10], moderate: ['second_factor', 60], lax: ['second_factor', 1440] };
const ages = [-2, -1, 0, 1, 9, 10, 11, 59, 60, 61, 1439, 1440, 1441];
const claims = [null, [], [0], [0, 0, 0]];
for (const a of ages) for (const b of ages) claims.push([a, b]);

const cases = [];
for (const preset of Object.keys(presets)) {
  for (const fva of claims) {
    const has = createCheckAuthorization({ userId: 'user_1', factorVerificationAge: fva });
    cases.push({ preset, fva, pass: has({ reverification: preset }) });
  }
}
const hints = {};
for (const [preset, [level, afterMinutes]] of Object.entries(presets)) {
  hints[preset] = reverificationError({ level, afterMinutes });
}
// One case a line, so a diff shows which answers changed.
const lines = cases.map((c) => '  ' + JSON.stringify(c)).join(',\n');
console.log(`{\n "clerkShared": ${JSON.stringify(shared.version)},\n "hints": ${JSON.stringify(hints)},\n "cases": [\n${lines}\n ]\n}`);
