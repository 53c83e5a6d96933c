/** The pure JWT core: no I/O, no imports from the rest of src/, the clock passed in. */
export { parseToken, MAX_TOKEN_BYTES } from './parse.js';
export { classify, LEGACY_ISSUER } from './classify.js';
export { kubernetesView, LEGACY_CLAIMS } from './view.js';
export { judge, signatureFinding, goQuoteList, LEEWAY_SECONDS, type JudgeContext } from './findings.js';
export { verifySignature, parseJwks, SUPPORTED_ALGS, type VerifyResult, type VerifyFailure } from './verify.js';
export { inspectToken, hasErrors, type InspectOptions } from './inspect.js';
export { makeUsername, splitUsername, SA_USER_PREFIX } from './subject.js';
export { TokenFormatError, JwksFormatError, type TokenFormatProblem } from './errors.js';
export { THIRD_PARTY_KINDS, thirdPartyByAudience, thirdPartyByEnv, thirdPartyByVolume, type ThirdPartyKind } from './third-party.js';
export type * from './types.js';
