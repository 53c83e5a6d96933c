/** `whoami`'s result: who the API server says the kubeconfig's user is, and how it authenticated. */
export interface WhoAmI {
  kind: 'WhoAmI';
  context: string;
  cluster: string;
  server: string;
  /**
   * What the requests carried, after kubectl's precedence: `exec` (with the plugin's command),
   * `token`, `token-file`, `client-certificate`, or `none` (anonymous).
   */
  credential: { kind: string; plugin?: string };
  /** The SelfSubjectReview's status.userInfo, as `kubectl auth whoami -o json` prints it. */
  user: { username: string; uid?: string; groups: string[]; extra: Record<string, string[]> };
  /** --as, when given: the user is the impersonated one, as with kubectl auth whoami --as. */
  impersonating?: string;
}
