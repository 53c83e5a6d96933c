/** The profile × scenario matrix for the kubeadm profile (matrix.ts says what each cell proves). */
import { profileMatrix } from './matrix';

profileMatrix('kubeadm');
