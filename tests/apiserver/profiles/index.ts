/**
 * The provider profiles (`start({ profile })`, `npm run cluster -- --profile NAME`). kubeadm is the
 * default and is today's cluster shape.
 */
import { AKS } from './aks';
import { EKS } from './eks';
import { GKE } from './gke';
import { K3S } from './k3s';
import { KUBEADM } from './kubeadm';
import { OPENSHIFT } from './openshift';
import type { Profile, ProfileName } from './types';

export type { Profile, ProfileName, WebhookName, ProfileNode, KubeconfigProfile, ProfileIdentity, ExecStanza, IdentityName } from './types';
export { VIEWER_GROUP } from './types';

export const PROFILES: Record<ProfileName, Profile> = { kubeadm: KUBEADM, eks: EKS, gke: GKE, aks: AKS, k3s: K3S, openshift: OPENSHIFT };
export const PROFILE_NAMES = Object.keys(PROFILES) as ProfileName[];
export const DEFAULT_PROFILE: ProfileName = 'kubeadm';

export function isProfileName(name: string): name is ProfileName {
  return Object.prototype.hasOwnProperty.call(PROFILES, name);
}

/** The profile of that name; an unknown name is a usage error naming the known ones. */
export function profileNamed(name: string = DEFAULT_PROFILE): Profile {
  if (!isProfileName(name)) throw new Error(`unknown profile "${name}" (one of: ${PROFILE_NAMES.join(', ')})`);
  return PROFILES[name];
}
