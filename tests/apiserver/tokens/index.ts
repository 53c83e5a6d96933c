/**
 * ServiceAccount token logic of the emulator (engineer B). Exported names are stable:
 * - keys:        createKeySet(opts) → EmulatorKeySet (implements host KeySet), keyIdFor, signJwt, foreignSigner
 * - issue:       issueBoundToken, issueLegacyToken (token controller), boundClaims, legacyClaims, constants
 * - authenticate: authenticateBearer(token, host, {audiences}) → AuthResult (user, audit annotations,
 *                 warnings, or the aggregate error text kube-apiserver logs / TokenReview shows)
 * - handlers:    createTokenRequest (serviceaccounts/{name}/token), reviewToken (tokenreviews),
 *                selfSubjectReview, openIdConfiguration + jwksDocument (issuer discovery)
 * - status:      metav1.Status builders in the API server's words
 * - memory-host: memoryHost(), objects — an in-memory EmulatorHost for tests
 */
export * from './keys';
export * from './issue';
export * from './authenticate';
export * from './token-request';
export * from './token-review';
export * from './self-subject-review';
export * from './oidc';
export * from './status';
export { memoryHost, objects, type MemoryHost } from './memory-host';
