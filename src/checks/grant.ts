/**
 * The Role and RoleBinding (a ClusterRole and ClusterRoleBinding for a cluster-wide right) that
 * grant one denied access to a user: a ServiceAccount's `system:serviceaccount:NS:NAME` is bound
 * with --serviceaccount, anyone else with --user. diagnose's rbac check and test-auth print the
 * same commands for the same 403 from here.
 */
import type { AccessAttributes } from '../kube/types.js';
import { cmd, operand, render } from '../shell/command.js';

export function grantAccess(username: string, a: AccessAttributes): string[] {
  const sa = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(username);
  const subject = sa ? `--serviceaccount=${sa[1]}:${sa[2]}` : `--user=${username}`;
  const resource = `${a.resource}${a.group ? `.${a.group}` : ''}${a.subresource ? `/${a.subresource}` : ''}`;
  const name = roleName(`${sa ? sa[2] : username}-${a.verb}-${resource}`);
  const rule = [`--verb=${a.verb}`, `--resource=${resource}`];
  if (!a.namespace) {
    return [
      render(cmd('kubectl', 'create', 'clusterrole', operand(name), ...rule)),
      render(cmd('kubectl', 'create', 'clusterrolebinding', operand(name), `--clusterrole=${name}`, subject)),
    ];
  }
  return [
    render(cmd('kubectl', 'create', 'role', operand(name), ...rule, '-n', a.namespace)),
    render(cmd('kubectl', 'create', 'rolebinding', operand(name), `--role=${name}`, subject, '-n', a.namespace)),
  ];
}

/** A DNS-label-like name: lower case, `-` for anything else, no leading or trailing `-`. */
function roleName(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/, '');
}
