/** Every check, in the order the report lists them (the seed guide's order). */
import { appTokenReload } from './app-token-reload.js';
import { audience } from './audience.js';
import { automount } from './automount.js';
import { issuer } from './issuer.js';
import { legacySecret } from './legacy-secret.js';
import { nodeReady } from './node-ready.js';
import { rbac } from './rbac.js';
import { thirdPartyTokens } from './third-party-tokens.js';
import { serviceAccountExists } from './serviceaccount-exists.js';
import { tokenAuthenticates } from './token-authenticates.js';
import { tokenClaims } from './token-claims.js';
import { tokenMounted } from './token-mounted.js';
import { tokenRotation } from './token-rotation.js';
import type { Check } from './types.js';

export const CHECKS: Check[] = [
  automount,
  tokenMounted,
  serviceAccountExists,
  tokenClaims,
  tokenAuthenticates,
  rbac,
  tokenRotation,
  nodeReady,
  legacySecret,
  audience,
  issuer,
  appTokenReload,
  thirdPartyTokens,
];
