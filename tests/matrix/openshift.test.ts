/** The profile × scenario matrix for the openshift profile (matrix.ts says what each cell proves). */
import { profileMatrix } from './matrix';

profileMatrix('openshift');
