/** The profile × scenario matrix for the k3s profile (matrix.ts says what each cell proves). */
import { profileMatrix } from './matrix';

profileMatrix('k3s');
