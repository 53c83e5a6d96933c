/** `whoami`'s result: who the API server says the kubeconfig's user is, and how it authenticated. */
export interface WhoAmI {
  kind: 'WhoAmI';
  context: string;
  cluster: string;
  server: string;
  /**
   * What the API server authenticated, after kubectl's precedence and the server's: `exec` (with
   * the plugin's command), `token`, `token-file`, `client-certificate`, or `none` (anonymous).
   */
  credential: {
    kind: string;
    plugin?: string;
    /**
     * A credential the requests also carried that the API server did not use: a token sent with a
     * client certificate, which it authenticates first (authenticated.ts).
     */
    unused?: string;
    /** How `kind` was told from `unused`: the review's credential-id extra, or the server's order of authenticators. */
    decidedBy?: 'credential-id' | 'precedence';
  };
  /** The SelfSubjectReview's status.userInfo, as `kubectl auth whoami -o json` prints it. */
  user: { username: string; uid?: string; groups: string[]; extra: Record<string, string[]> };
  /** --as, when given: the user is the impersonated one, as with kubectl auth whoami --as. */
  impersonating?: string;
}
