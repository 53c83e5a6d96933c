/**
 * The one error the JWT core throws: the input is not a token it can read. It carries no part of
 * the input (a token is a secret), only what is wrong with it, in one line.
 */
export type TokenFormatProblem =
  | 'empty'
  | 'too-large'
  | 'segments'
  | 'base64url'
  | 'json'
  | 'not-object'
  | 'header'
  | 'claim-type';

export class TokenFormatError extends Error {
  constructor(
    /** Which rule the input broke, for callers that branch on it (tests, diagnose). */
    readonly problem: TokenFormatProblem,
    message: string,
  ) {
    super(message);
    this.name = 'TokenFormatError';
  }
}

/** A JWKS document that is not `{keys: [JWK, …]}`. */
export class JwksFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JwksFormatError';
  }
}
